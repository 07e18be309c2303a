#pragma once

#include "app/CommandLine.h"
#include "config/AggregatorConfig.h"
#include "model/CaptureSettings.h"

#include <optional>

namespace ea {

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

} // namespace ea
