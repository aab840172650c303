# p2p_add_plugin(<name> SOURCES ... [LIBRARIES ...] [OUTPUT_DIRECTORY dir])
#
# Builds libp2p-<name>.so as a MODULE library against the plugin API in
# core/include/p2p. Plugins link to libp2p-core only; they never link to each
# other. OUTPUT_DIRECTORY defaults to build/plugins, where p2p-node looks
# first; only plugins built there are installed (to lib/p2p-node/plugins), so
# the tests' own plugins never are.
function(p2p_add_plugin name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  set(install_it FALSE)
  if(NOT ARG_OUTPUT_DIRECTORY)
    set(ARG_OUTPUT_DIRECTORY ${P2P_PLUGIN_OUTPUT_DIRECTORY})
    set(install_it TRUE)
  endif()
  # From the installed plugin directory to the one libp2p-core is in.
  file(RELATIVE_PATH core_from_plugins /p2p/${P2P_PLUGIN_INSTALL_DIR} /p2p/${CMAKE_INSTALL_LIBDIR})
  set(target p2p-plugin-${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME p2p-${name}
    PREFIX lib
    LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY}
    INSTALL_RPATH "$ORIGIN/${core_from_plugins}")
  target_link_libraries(${target} PRIVATE p2p-core ${ARG_LIBRARIES})
  if(install_it)
    install(TARGETS ${target} LIBRARY DESTINATION ${P2P_PLUGIN_INSTALL_DIR})
  endif()
endfunction()
