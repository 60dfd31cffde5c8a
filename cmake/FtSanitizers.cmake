# FT_SANITIZE is a list, as libpcap's ENABLE_SANITIZERS: "address;undefined" or "thread".
foreach(_san ${FT_SANITIZE})
  add_compile_options(-fsanitize=${_san} -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=${_san})
  if(_san STREQUAL "undefined")
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
endforeach()
