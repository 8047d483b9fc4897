# Fuzz targets added by the reliability work (issue 7) for decoders that had none: public keys
# and signatures from manifests and uploads, the agent's crash-surviving files (event journal
# lines, state.json), and the manager's event log lines (cut by a crash mid-write).
cocos_add_fuzzer(fuzz_public_key ${CMAKE_CURRENT_LIST_DIR}/fuzz_public_key.cc LIBS cocos_common)
if(TARGET cocos_agent_core)
  cocos_add_fuzzer(fuzz_agent_files ${CMAKE_CURRENT_LIST_DIR}/fuzz_agent_files.cc
                   LIBS cocos_agent_core)
endif()
if(TARGET cocos_manager)
  cocos_add_fuzzer(fuzz_manager_event_log ${CMAKE_CURRENT_LIST_DIR}/fuzz_manager_event_log.cc
                   LIBS cocos_manager)
endif()
