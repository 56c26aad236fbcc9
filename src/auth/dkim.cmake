# DKIM (verify, sign, keys) and ARC chain validation; see dkim.h and arc.h.
add_library(postdesk_dkim STATIC
  ${CMAKE_CURRENT_LIST_DIR}/canon.cc
  ${CMAKE_CURRENT_LIST_DIR}/dkim_crypto.cc
  ${CMAKE_CURRENT_LIST_DIR}/dkim_internal.cc
  ${CMAKE_CURRENT_LIST_DIR}/dkim.cc
  ${CMAKE_CURRENT_LIST_DIR}/arc.cc)
target_link_libraries(postdesk_dkim PUBLIC OpenSSL::Crypto Boost::headers postdesk_common)

postdesk_test(dkim_test ${CMAKE_CURRENT_LIST_DIR}/dkim_test.cc)
target_link_libraries(dkim_test PRIVATE postdesk_dkim)

postdesk_test(arc_suite_test ${CMAKE_CURRENT_LIST_DIR}/arc_suite_test.cc)
target_link_libraries(arc_suite_test PRIVATE postdesk_dkim nlohmann_json::nlohmann_json)

# Test executable for the black-box interop tests (tests/test_dkim_interop.py):
# verify with a key table instead of DNS, sign, generate keys.
add_executable(dkim_tool ${CMAKE_CURRENT_LIST_DIR}/dkim_tool.cc)
target_link_libraries(dkim_tool PRIVATE postdesk_dkim)
