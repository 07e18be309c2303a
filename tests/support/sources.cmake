# Sources of the shared test helpers
