# make package: a Debian package of the installed layout (configure with
# -DCMAKE_INSTALL_PREFIX=/usr), with the systemd unit, the p2p user created
# on install, and runtime dependencies found by dpkg-shlibdeps.
# The unit runs /usr/bin/p2p-node: installed only with the /usr prefix.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  install(FILES container/systemd/p2p-node@.service DESTINATION lib/systemd/system)
endif()
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME p2p-node)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "p2p-node developers <p2p-node@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "peer-to-peer storage and messaging node with plugins")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
# The shipped configuration is the admin's to edit: conffiles make dpkg keep their changes.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  "${PROJECT_SOURCE_DIR}/cmake/debian/postinst;${PROJECT_SOURCE_DIR}/cmake/debian/postrm;${PROJECT_SOURCE_DIR}/cmake/debian/conffiles")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
