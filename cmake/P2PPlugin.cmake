# p2p_add_plugin(<name> SOURCES ... [LIBRARIES ...] [OUTPUT_DIRECTORY dir])
#
# Builds libp2p-<name>.so as a MODULE library against the plugin API in
# core/include/p2p. Plugins link to libp2p-core only; they never link to each
# other. OUTPUT_DIRECTORY defaults to build/plugins, where p2p-node looks first.
function(p2p_add_plugin name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_OUTPUT_DIRECTORY)
    set(ARG_OUTPUT_DIRECTORY ${P2P_PLUGIN_OUTPUT_DIRECTORY})
  endif()
  set(target p2p-plugin-${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME p2p-${name}
    PREFIX lib
    LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY}
    # Installed as <libdir>/p2p-node/plugins/*.so beside <libdir>/libp2p-core.so.
    INSTALL_RPATH "$ORIGIN/../..")
  target_link_libraries(${target} PRIVATE p2p-core ${ARG_LIBRARIES})
  set(P2P_LAST_PLUGIN_TARGET ${target} PARENT_SCOPE)
endfunction()
