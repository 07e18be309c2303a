# The Debian package: cpack -G DEB in the build directory (after cmake --build).
set(CPACK_PACKAGE_NAME "event-aggregator")
set(CPACK_PACKAGE_VENDOR "event-aggregator")
set(CPACK_PACKAGE_CONTACT "event-aggregator maintainers <event-aggregator@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Captures Claude MPM dashboard events into per-session records (tray app and headless)")
set(CPACK_PACKAGE_DESCRIPTION
    "A Qt tray application with a headless mode that connects to the Claude MPM Socket.IO dashboard, \
aggregates its events into sessions and saves each as a JSON record; a session browser searches \
and exports them.")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "devel")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# Libraries the binary links come from dpkg-shlibdeps; the plugins Qt loads at run time do not
# show up there: the SVG icon engine (tray icons), the xcb platform plugin and the SQLite driver
# of the session database.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libqt6svg6, qt6-qpa-plugins, libqt6sql6-sqlite")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "trayer | stalonetray")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
