# SPF (RFC 7208): the library, its unit tests, the conformance suite runner
# and the spf_check tool the differential test against pyspf drives.
add_library(postdesk_spf STATIC ${CMAKE_CURRENT_SOURCE_DIR}/spf.cc)
target_link_libraries(postdesk_spf PUBLIC postdesk_dns)

postdesk_test(spf_test ${CMAKE_CURRENT_SOURCE_DIR}/spf_test.cc)
target_link_libraries(spf_test PRIVATE postdesk_spf)

postdesk_test(spf_suite_test ${CMAKE_CURRENT_SOURCE_DIR}/spf_suite_test.cc)
target_link_libraries(spf_suite_test PRIVATE postdesk_spf nlohmann_json::nlohmann_json)
target_compile_definitions(spf_suite_test PRIVATE POSTDESK_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

add_executable(spf_check ${CMAKE_CURRENT_SOURCE_DIR}/spf_check.cc)
target_link_libraries(spf_check PRIVATE postdesk_spf)
