// Compiles the precompiled header that the tests of one folder share (tests/CMakeLists.txt).
