# Verifier fuzz targets: every parser of outside input in verifier/ (IGVM, SNP report with
# certificate table, TPM structures, TCG event log, policy JSON, evidence msgpack, what KDS sends).
set(_vd ${CMAKE_CURRENT_LIST_DIR})
cocos_add_fuzzer(fuzz_verifier_igvm ${_vd}/fuzz_verifier_igvm.cc LIBS cocos_igvm)
cocos_add_fuzzer(fuzz_verifier_report ${_vd}/fuzz_verifier_report.cc LIBS cocos_verifier)
cocos_add_fuzzer(fuzz_verifier_tpm ${_vd}/fuzz_verifier_tpm.cc LIBS cocos_verifier)
cocos_add_fuzzer(fuzz_verifier_policy ${_vd}/fuzz_verifier_policy.cc LIBS cocos_verifier)
cocos_add_fuzzer(fuzz_verifier_evidence ${_vd}/fuzz_verifier_evidence.cc LIBS cocos_verifier)
cocos_add_fuzzer(fuzz_verifier_event_log ${_vd}/fuzz_verifier_event_log.cc LIBS cocos_verifier)
cocos_add_fuzzer(fuzz_verifier_kds_answers ${_vd}/fuzz_verifier_kds_answers.cc LIBS cocos_verifier)
