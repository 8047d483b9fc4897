# Attestation: the host-controlled inputs the agent parses (the GHCB certificate table from
# configfs-tsm's auxblob or SNP_GET_EXT_REPORT, and the MSG_REPORT_RSP of /dev/sev-guest).
cocos_add_fuzzer(fuzz_attestation_host_blobs ${CMAKE_CURRENT_LIST_DIR}/attestation_host_blobs_fuzz.cc
  LIBS cocos_attestation)
