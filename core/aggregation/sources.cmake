# Sources of core/aggregation
