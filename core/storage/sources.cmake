# Sources of core/storage
