// Finds and reads configuration.yaml into an AggregatorConfig, rejecting bad values by key and
// line.
#pragma once

#include "config/AggregatorConfig.h"

#include <QByteArray>
#include <QDir>
#include <QString>
#include <QStringList>

#include <optional>

namespace ea {

class ConfigLoader
{
public:
    static constexpr qint64 maxFileBytes = qint64(4) << 20;

    // The file claude-mpm would read: explicitPath (--config) if given, else
    // <workingDirectory>/.claude-mpm/configuration.yaml, else ~/.claude-mpm/configuration.yaml
    // (home from QDir::homePath(), i.e. $HOME). Empty if none exists.
    static QString locate(const QString& explicitPath,
                          const QString& workingDirectory = QDir::currentPath());

    // locate() + loadFile(); no file at all gives the defaults. An explicit path that does not
    // exist is an error. Errors read "<file>:<line>: <dotted.key> <problem>, got <value>".
    // Warnings are for accepted but ignored settings.
    static std::optional<AggregatorConfig> load(const QString& explicitPath,
                                                const QString& workingDirectory, QString* error,
                                                QStringList* warnings = nullptr);

    static std::optional<AggregatorConfig> loadFile(const QString& path,
                                                    const QString& workingDirectory, QString* error,
                                                    QStringList* warnings = nullptr);

    // Parses YAML text; fileName only labels messages. Other top-level sections are ignored.
    static std::optional<AggregatorConfig> parse(const QByteArray& yaml, const QString& fileName,
                                                 const QString& projectDirectory, QString* error,
                                                 QStringList* warnings = nullptr);

    // The directory relative paths in `configFile` are resolved against: the one containing
    // its .claude-mpm/ directory, else workingDirectory.
    static QString projectDirectoryFor(const QString& configFile, const QString& workingDirectory);
};

} // namespace ea
