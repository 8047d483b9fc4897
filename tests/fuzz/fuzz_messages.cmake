# Fuzz targets of the messages library: the frame decoder and the manifest JSON parser.
cocos_add_fuzzer(fuzz_message_frames ${CMAKE_CURRENT_LIST_DIR}/fuzz_message_frames.cc
                 LIBS cocos_messages)
cocos_add_fuzzer(fuzz_manifest_json ${CMAKE_CURRENT_LIST_DIR}/fuzz_manifest_json.cc
                 LIBS cocos_messages)
