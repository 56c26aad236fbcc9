# The sending side of outbound: mail builder, SMTP client, retry schedule, queue.
# compose builds a message; enqueue is the one way to queue it (tickets and
# channel use both without the delivery side).
add_library(postdesk_outbound_compose STATIC compose.cc delivery_state.cc enqueue.cc)
target_link_libraries(postdesk_outbound_compose PUBLIC postdesk_common postdesk_store)

add_library(postdesk_outbound STATIC mx.cc queue.cc retry.cc smtp_client.cc)
target_link_libraries(postdesk_outbound PUBLIC postdesk_outbound_compose postdesk_store postdesk_dns Boost::headers
                      OpenSSL::SSL Threads::Threads spdlog::spdlog nlohmann_json::nlohmann_json)

postdesk_test(outbound_test compose_test.cc delivery_state_test.cc mx_test.cc queue_test.cc retry_test.cc smtp_client_test.cc)
target_link_libraries(outbound_test PRIVATE postdesk_outbound postdesk_smtp)
