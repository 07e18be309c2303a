#pragma once

#include "app/CommandLine.h"
#include "config/AggregatorConfig.h"
#include "model/CaptureSettings.h"
#include "otlp/OtlpForwarder.h"

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
        // Set when event_aggregator.otlp.endpoint is: headers expanded from the environment.
        std::optional<OtlpForwarder::Settings> otlp;
    };
    // nullopt with *error (naming the file, line and key) when the configuration is invalid.
    // withOtlp: also the forwarding settings (what capture needs; other commands leave out the
    // headers' environment variables, which may not be set where they run).
    static std::optional<Result> resolve(const AppOptions& options, QString* error,
                                         bool withOtlp = true);
};

} // namespace ea
