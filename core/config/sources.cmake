# Sources of core/config
target_sources(eacore PRIVATE
    config/AggregatorConfig.h config/AggregatorConfig.cpp
    config/ConfigLoader.h config/ConfigLoader.cpp
    config/ConfigWriter.h config/ConfigWriter.cpp
)
