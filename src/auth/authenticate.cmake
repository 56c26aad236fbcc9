# Sender authentication of one inbound message (SPF + DKIM + ARC + DMARC ->
# accept / flag / suspend / reject) and the Authentication-Results field.
add_library(postdesk_authenticate STATIC
  ${CMAKE_CURRENT_LIST_DIR}/auth_results.cc
  ${CMAKE_CURRENT_LIST_DIR}/authenticate.cc)
target_link_libraries(postdesk_authenticate PUBLIC postdesk_spf postdesk_dkim postdesk_dmarc
                      postdesk_mime nlohmann_json::nlohmann_json)

postdesk_test(auth_results_test ${CMAKE_CURRENT_LIST_DIR}/auth_results_test.cc)
target_link_libraries(auth_results_test PRIVATE postdesk_authenticate)

postdesk_test(authenticate_test ${CMAKE_CURRENT_LIST_DIR}/authenticate_test.cc)
target_link_libraries(authenticate_test PRIVATE postdesk_authenticate)
