# p2p_link_no_undefined(<target>): refuse to link a shared library or module
# that leaves a symbol unresolved, so a plugin that uses something libp2p-core
# does not export fails at build time rather than at dlopen. Not with the
# sanitizers or libFuzzer, whose runtimes the executable alone carries.
function(p2p_link_no_undefined target)
  if(NOT P2P_SANITIZE AND NOT P2P_BUILD_FUZZERS)
    target_link_options(${target} PRIVATE -Wl,--no-undefined)
  endif()
endfunction()

# p2p_add_plugin(<name> ENTRY <source>... [SOURCES <source>...]
#                [LIBRARIES <lib>...] [OUTPUT_DIRECTORY <dir>])
#
# Builds libp2p-<name>.so, a MODULE library against the plugin API in
# core/include/p2p, from ENTRY (the plugin class, with its P2P_EXPORT_PLUGIN).
# SOURCES, the plugin's other classes, go into the static library
# p2p-<name>-lib, which the module links and so can the unit tests and the
# fuzz targets: a new class is named once, here. The plugin's folder (the
# ENTRY's) is on the library's include path.
#
# Plugins link to libp2p-core only; they never link to each other. They are
# built with hidden visibility: a plugin exports its two entry points and
# nothing else. OUTPUT_DIRECTORY defaults to build/plugins, where p2p-node
# looks first; only plugins built there are installed (to
# lib/p2p-node/plugins), so the tests' own plugins never are.
function(p2p_add_plugin name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "ENTRY;SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_ENTRY)
    message(FATAL_ERROR "p2p_add_plugin(${name}): ENTRY names the source with P2P_EXPORT_PLUGIN")
  endif()
  set(install_it FALSE)
  if(NOT ARG_OUTPUT_DIRECTORY)
    set(ARG_OUTPUT_DIRECTORY ${P2P_PLUGIN_OUTPUT_DIRECTORY})
    set(install_it TRUE)
  endif()
  set(hidden CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)

  set(target p2p-plugin-${name})
  add_library(${target} MODULE ${ARG_ENTRY})
  if(ARG_SOURCES)
    set(lib p2p-${name}-lib)
    add_library(${lib} STATIC ${ARG_SOURCES})
    list(GET ARG_ENTRY 0 entry)
    get_filename_component(folder ${entry} DIRECTORY)
    target_include_directories(${lib} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/${folder})
    target_link_libraries(${lib} PUBLIC p2p-core ${ARG_LIBRARIES})
    set_target_properties(${lib} PROPERTIES POSITION_INDEPENDENT_CODE ON ${hidden})
    target_link_libraries(${target} PRIVATE ${lib})
  endif()

  # From the installed plugin directory to the one libp2p-core is in.
  file(RELATIVE_PATH core_from_plugins /p2p/${P2P_PLUGIN_INSTALL_DIR} /p2p/${CMAKE_INSTALL_LIBDIR})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME p2p-${name}
    PREFIX lib
    LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY}
    INSTALL_RPATH "$ORIGIN/${core_from_plugins}"
    ${hidden})
  target_link_libraries(${target} PRIVATE p2p-core ${ARG_LIBRARIES})
  p2p_link_no_undefined(${target})
  if(install_it)
    install(TARGETS ${target} LIBRARY DESTINATION ${P2P_PLUGIN_INSTALL_DIR})
  endif()
endfunction()
