# The sending side of outbound: mail builder, SMTP client, retry schedule, queue.
add_library(postdesk_outbound_compose STATIC compose.cc)
target_link_libraries(postdesk_outbound_compose PUBLIC postdesk_common)

add_library(postdesk_outbound STATIC mx.cc queue.cc retry.cc smtp_client.cc)
target_link_libraries(postdesk_outbound PUBLIC postdesk_outbound_compose postdesk_store postdesk_dns Boost::headers
                      OpenSSL::SSL Threads::Threads spdlog::spdlog nlohmann_json::nlohmann_json)

postdesk_test(outbound_test compose_test.cc mx_test.cc retry_test.cc smtp_client_test.cc)
target_link_libraries(outbound_test PRIVATE postdesk_outbound postdesk_smtp)
