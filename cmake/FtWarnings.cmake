# Warnings every target gets; -Werror only when FT_WERROR is on (CI).
function(ft_warnings target)
  get_target_property(_type ${target} TYPE)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:C>:-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
      -Wpointer-arith -Wformat=2 -Wundef -Wcast-align -Wvla>
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra>)
  if(CMAKE_C_COMPILER_ID MATCHES "Clang")
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:C>:-Wshorten-64-to-32 -Wcomma>)
  endif()
  if(FT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
