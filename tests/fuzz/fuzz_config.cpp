// The YAML configuration loader (configuration.yaml, event_aggregator section).
#include "FuzzSupport.h"
#include "config/ConfigLoader.h"

#include <cstdlib>

using namespace ea;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::initOnce();
    const QByteArray yaml = fuzz::bytes(data, size);
    QString error;
    QStringList warnings;
    const auto config = ConfigLoader::parse(yaml, QStringLiteral("fuzz.yaml"),
                                            QStringLiteral("/project"), &error, &warnings);
    if (!config && error.isEmpty())
        std::abort(); // a refusal always says why
    if (config) {
        if (config->dashboardPort < 1 || config->dashboardPort > 65535)
            std::abort();
        if (config->sessionTimeoutMinutes <= 0)
            std::abort();
        config->resolvedActivityDirectory();
    }
    return 0;
}
