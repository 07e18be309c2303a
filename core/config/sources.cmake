# Sources of core/config
