# Sources of core/protocol
