cmake_minimum_required(VERSION 3.16)
# The HTML report of `unislad eval --report` in a real headless browser (Debian's chromium), opened from
# disk: each page loads, every <img> resolved (the page's self-check sets <body data-images="loaded/total">)
# and the console stays silent (chromium logs console messages and failed loads as "CONSOLE" lines with
# --enable-logging=stderr). A copy of the report with one image deleted must fail the same check, so the
# check itself is proven able to fail. Variables: CHROMIUM (empty: skipped), REPORT (the report folder of
# cli_fit_detect_eval), WORK.
if(NOT CHROMIUM)
  message("SKIPPED: chromium not found (scripts/install-deps.sh installs it)")
  return()
endif()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

# load(<page> <result variable>): "ok" or why not.
function(load page result)
  file(READ "${page}" html)
  string(REGEX MATCHALL "<img " imgs "${html}")
  list(LENGTH imgs expected)
  get_filename_component(name "${page}" NAME_WE)
  string(MD5 tag "${page}")
  execute_process(COMMAND "${CHROMIUM}" --headless --disable-gpu --no-sandbox --no-first-run --disable-extensions
                          --user-data-dir=${WORK}/profile-${tag} --enable-logging=stderr --v=0 --virtual-time-budget=5000
                          --dump-dom "file://${page}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE dom ERROR_VARIABLE log TIMEOUT 90)
  string(REGEX MATCHALL "[^\n]*CONSOLE[^\n]*" console "${log}")
  string(REGEX MATCHALL "[^\n]*(ERR_FILE_NOT_FOUND|Failed to load resource|Not allowed to load)[^\n]*" failed "${log}")
  if(NOT rc EQUAL 0)
    set(why "chromium exited with ${rc}")
  elseif(NOT dom MATCHES "data-images=\"([0-9]+)/([0-9]+)\"")
    set(why "the page did not run its self-check (no data-images in the DOM)")
  elseif(NOT CMAKE_MATCH_1 EQUAL CMAKE_MATCH_2 OR NOT CMAKE_MATCH_2 EQUAL expected OR expected EQUAL 0)
    set(why "${CMAKE_MATCH_1} of ${CMAKE_MATCH_2} images loaded, the page has ${expected}")
  elseif(console OR failed)
    set(why "console messages: ${console} ${failed}")
  else()
    set(why "ok")
  endif()
  message("${page}: ${why}")
  set(${result} "${why}" PARENT_SCOPE)
endfunction()

foreach(page "${REPORT}/index.html" "${REPORT}/juice_bottle/index.html")
  if(NOT EXISTS "${page}")
    message(FATAL_ERROR "${page} missing (the report comes from the test cli_fit_detect_eval)")
  endif()
  load("${page}" result)
  if(NOT result STREQUAL "ok")
    message(FATAL_ERROR "${page}: ${result}")
  endif()
endforeach()

# The check can fail: one gallery image gone.
file(COPY "${REPORT}/" DESTINATION "${WORK}/broken")
file(GLOB gallery "${WORK}/broken/juice_bottle/gallery/*.png")
list(GET gallery 0 victim)
file(REMOVE "${victim}")
load("${WORK}/broken/juice_bottle/index.html" result)
if(result STREQUAL "ok")
  message(FATAL_ERROR "a report with a missing image passed the browser check")
endif()
message("browser check: OK")
