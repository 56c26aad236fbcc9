# DMARC: policy discovery by DNS tree walk (libpsl as the fallback),
# alignment, policy selection.
add_library(postdesk_dmarc STATIC ${CMAKE_CURRENT_SOURCE_DIR}/dmarc.cc)
target_link_libraries(postdesk_dmarc PUBLIC postdesk_dns PkgConfig::PSL)

postdesk_test(dmarc_test ${CMAKE_CURRENT_SOURCE_DIR}/dmarc_test.cc)
target_link_libraries(dmarc_test PRIVATE postdesk_dmarc)
# The tests spell inputs with designated initializers that leave fields out.
target_compile_options(dmarc_test PRIVATE -Wno-missing-field-initializers)
