#pragma once

#include "AggregatorConfig.h"
#include "CaptureSettings.h"
#include "CommandLine.h"

#include <optional>

// Merges the configuration file and the command line into the settings the core runs with.
class CaptureSetup
{
public:
    struct Result
    {
        AggregatorConfig config;
        CaptureSettings settings;
    };
    // nullopt with *error (naming the file, line and key) when the configuration is invalid.
    static std::optional<Result> resolve(const AppOptions& options, QString* error);
};
