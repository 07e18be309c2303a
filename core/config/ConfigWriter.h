// Writes changed settings back into configuration.yaml in place, leaving every other byte alone.
#pragma once

#include "config/AggregatorConfig.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace ea {

// The file is shared with claude-mpm and edited by hand: its comments, key order, quoting and
// other sections are the user's. Only the values that changed are rewritten, each where it
// stands (a comment after it on the line is kept); a key the section lacks is added at the end
// of the event_aggregator block, and a missing section is appended to the file.
class ConfigWriter
{
public:
    // Makes the file say `config`: a key is written when its value differs from what the file
    // says now (from the default, for a key the file lacks). Nothing changed, nothing written
    // (a missing file stays missing). Refuses a file that does not load; creates the file and
    // its directory when something must be written and it does not exist.
    static bool write(const QString& path, const AggregatorConfig& config, QString* error);

    // write()'s edit on the text alone: `original` changed to say `config`, or nullopt with
    // *error when it does not load or its section is not a block mapping.
    // fileName only labels messages.
    static std::optional<QByteArray>
    update(const QByteArray& original, const AggregatorConfig& config, QString* error,
           const QString& fileName = QStringLiteral("configuration.yaml"));

    // Where a settings dialog should write: config.configFile if it came from a file, else
    // <workingDirectory>/.claude-mpm/configuration.yaml.
    static QString targetFor(const AggregatorConfig& config, const QString& workingDirectory);
};

} // namespace ea
