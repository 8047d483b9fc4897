# ctest bench_quick: runs `cocos-bench --quick --json` and checks that every benchmark produced
# its keys (numbers are not judged). Agent-process keys are required when cocos-agent is built.
execute_process(COMMAND ${BENCH} --quick --json --work-dir ${WORK}
                OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cocos-bench --quick exited with ${rc}\n${out}")
endif()
set(keys igvm_mib_s sha384_mib_s igvm_ratio snp_verify_per_s ecdsa_p384_verify_per_s
    snp_verify_ratio event_p50_us event_p99_us event_realtime_io_p99_us event_busy_p99_us event_busy_realtime_io_p99_us tcp_loopback_p50_us tcp_loopback_p99_us tcp_loopback_wakeup_p99_us events_per_s manager_agents)
if(REQUIRE_AGENT)
  list(APPEND keys sha3_256_mib_s upload_mib_s upload_ratio upload_agent_peak_rss_mib result_mib_s result_ratio
       agent_start_ms agent_idle_rss_mib)
endif()
foreach(k ${keys})
  string(JSON v ERROR_VARIABLE err GET "${out}" ${k})
  if(err)
    string(JSON skipped ERROR_VARIABLE err2 GET "${out}" skipped)
    message(FATAL_ERROR "key ${k} missing (${err}); skipped: ${skipped}")
  endif()
endforeach()
message(STATUS "all keys present:\n${out}")
