# Safe zip extraction (cocos_archive) fed arbitrary bytes.
cocos_add_fuzzer(fuzz_archive ${CMAKE_CURRENT_LIST_DIR}/fuzz_archive.cc LIBS cocos_archive)
