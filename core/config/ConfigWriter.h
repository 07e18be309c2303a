// Writes the event_aggregator section back into configuration.yaml, keeping every other section.
#pragma once

#include "AggregatorConfig.h"

#include <QString>

class ConfigWriter
{
public:
    // Loads the whole file (if it exists), replaces the values of event_aggregator with those
    // of `config` (keys the file had in that section stay in their order; keys this program
    // does not know are kept), and saves atomically. YAML comments are not preserved. Refuses
    // to touch a file that does not parse. Creates the file and its directory if missing.
    static bool write(const QString& path, const AggregatorConfig& config, QString* error);

    // Where a settings dialog should write: config.configFile if it came from a file, else
    // <workingDirectory>/.claude-mpm/configuration.yaml.
    static QString targetFor(const AggregatorConfig& config, const QString& workingDirectory);
};
