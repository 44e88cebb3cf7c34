# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
#
# Numeric options of the command line are parsed strictly (RELIABILITY.md, "Command-line numbers"):
# every bad value below exits with 2 and prints "unislad <command>: <option>: expected ..., found
# '<value>'" as its first line on stderr, naming that one option, no other, and its range. Each case
# but the few guards marked below used to pass silently as some other number (`-w abc` as 0, which
# switches the patch level off, `--seed ' 5'` as 5), name several options at once or give no range
# ("--threads: expected a non-negative integer, found '1025'"). A few valid values are then checked to get past the parsing: fit, eval and detect
# with a folder that does not exist must fail on that folder instead (exit 1), bench on its
# --category (exit 2, after every number was read), and synth must write a tiny data set.
#
# Variables: EXE (the unislad program), WORK (a scratch folder).
cmake_minimum_required(VERSION 3.16)

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(MISSING "${WORK}/no-such-folder")
# Arguments that make each command reach its numeric options and then stop quickly.
set(ARGS_fit --train "${MISSING}" --model "${WORK}/model.unislad" --quiet)
set(ARGS_eval --data "${MISSING}" --quiet)
set(ARGS_detect --model "${WORK}/model.unislad" --input "${MISSING}" --out "${WORK}/detect")
set(ARGS_bench --category no-such-category --quiet)
set(ARGS_synth --out "${WORK}/synth" --categories juice_bottle --quiet)
set(ARGS_threshold --model "${WORK}/model.unislad" --good "${MISSING}" --bad "${MISSING}")

set(failures 0)
set(cases 0)
set(bad_cases 0)

function(fail what)
  message(SEND_ERROR "${what}")
  math(EXPR n "${failures} + 1")
  set(failures ${n} PARENT_SCOPE)
endfunction()

# bad(<command> <option> <value> [<extra args>...]): `unislad <command> --<option>=<value>` must be a
# usage error naming the option and the value. The "=" form carries empty values and spaces as given.
function(bad cmd option value)
  math(EXPR n "${cases} + 1")
  set(cases ${n} PARENT_SCOPE)
  math(EXPR n "${bad_cases} + 1")
  set(bad_cases ${n} PARENT_SCOPE)
  string(LENGTH "${option}" len)
  if(len EQUAL 1)
    set(shown "-${option}")
  else()
    set(shown "--${option}")
  endif()
  execute_process(COMMAND "${EXE}" ${cmd} ${ARGS_${cmd}} ${ARGN} "--${option}=${value}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(REGEX REPLACE "\n.*" "" first "${err}")
  set(what "${cmd} ${shown} '${value}'")
  if(NOT rc EQUAL 2)
    fail("${what}: exit code ${rc}, expected 2; stderr: ${first}")
  elseif(NOT first MATCHES "^unislad ${cmd}: ")
    fail("${what}: first stderr line is not a usage error of 'unislad ${cmd}': ${first}")
  else()
    string(FIND "${first}" "unislad ${cmd}: ${shown}: expected " at)
    string(FIND "${first}" ", found '${value}'" found)
    # The part before the value names exactly one option ("-x" or "--name" after a space).
    string(REGEX REPLACE ", found '.*" "" head "${first}")
    string(REGEX MATCHALL "[ ]--?[a-z]" named "${head}")
    list(LENGTH named count)
    # ... and its range: "a number in [lo, hi]" (either end open) or "an integer lo to hi".
    if(NOT at EQUAL 0 OR found EQUAL -1 OR NOT count EQUAL 1 OR
       NOT head MATCHES ": expected (a number in [[(][-0-9.e]+, [-0-9.e]+[])]|an integer -?[0-9]+ to [0-9]+)")
      fail("${what}: expected 'unislad ${cmd}: ${shown}: expected <range>, found '${value}'' naming one option, got: ${first}")
    endif()
  endif()
  set(failures ${failures} PARENT_SCOPE)
endfunction()

# good(<command> <expected rc> <expected stderr fragment> <args>...): numbers that parse, the command
# stopping later on purpose (or succeeding).
function(good cmd expected_rc fragment)
  math(EXPR n "${cases} + 1")
  set(cases ${n} PARENT_SCOPE)
  execute_process(COMMAND "${EXE}" ${cmd} ${ARGS_${cmd}} ${ARGN}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(REGEX REPLACE "\n.*" "" first "${err}")
  set(what "${cmd} ${ARGN}")
  string(FIND "${err}" "${fragment}" at)
  if(NOT rc EQUAL expected_rc)
    fail("${what}: exit code ${rc}, expected ${expected_rc}; stderr: ${first}")
  elseif(at EQUAL -1)
    fail("${what}: stderr lacks '${fragment}': ${first}")
  elseif(first MATCHES ": expected (a number|an integer)")
    fail("${what}: a valid number was refused: ${first}")
  endif()
  set(failures ${failures} PARENT_SCOPE)
endfunction()

# --- The detector options (fit, eval and bench share them) ----------------------------------------
# Each option with its bad values: every value through eval, the first of some through fit and bench
# too (one parser serves the three; this keeps the script short).
set(BAD_w nan NaN abc "" 0,3 0.5abc -0.5 1.0001 inf -inf 1e999 0x1 "+-1" " 0.3" "0.3 " "\t0.3" -1.5 --1)
set(BAD_w-i nan abc "" -0.5 2 1e999)
# Coreset ratios: (0, 1], or 0 for the preset's.
set(BAD_local-ratio nan inf abc "" 0.5.5 -0.1 1.5 1e999 1e-400 0x0.8 " 0.5" "0.5 ")
set(BAD_global-ratio 0.5.5 nan inf abc "" 1.0000001)
# Ridge epsilon: (0, 1e6], or 0 for the preset's (the Ledoit-Wolf shrinkage below: (0, 1]).
set(BAD_mt-epsilon nan -1 abc "" 1e7 inf 1e999)
# Integers, each named alone with its own range.
set(BAD_threads 1025 -1 abc "" 1.5 1e3 0x10 " 1" "1 " "+-1" 99999999999999999999)
set(BAD_grid 100000 1025 -1 abc 4.0)
set(BAD_seed -1 2147483648 abc "" 5x)
set(BAD_local-dims 65537 -1 abc)
set(BAD_pretrain-dims 65537 -1 abc)
set(BAD_hnsw-m " 16" "16 ")
set(BAD_hnsw-ef-construction 1000001 -1 abc)
set(BAD_hnsw-ef-search 1000001 -1 abc)
set(BAD_auto-index-threshold 2147483648 -1 abc)
foreach(opt w w-i local-ratio global-ratio mt-epsilon threads grid seed local-dims pretrain-dims hnsw-m
            hnsw-ef-construction hnsw-ef-search auto-index-threshold)
  foreach(v IN LISTS BAD_${opt})
    bad(eval ${opt} "${v}")
  endforeach()
endforeach()
foreach(opt w local-ratio mt-epsilon threads grid seed)
  list(GET BAD_${opt} 0 first)
  bad(fit ${opt} "${first}")
  bad(bench ${opt} "${first}")
endforeach()
bad(eval mt-epsilon 1.5 --mt ledoit-wolf)
bad(fit mt-epsilon -1 --mt ledoit-wolf)

# The separate-argument form reads the value the same way.
foreach(v nan abc -0.5)
  math(EXPR cases "${cases} + 1")
  execute_process(COMMAND "${EXE}" eval ${ARGS_eval} -w "${v}" RESULT_VARIABLE rc ERROR_VARIABLE err)
  string(FIND "${err}" "unislad eval: -w: expected a number in [0, 1], or -1 for the preset's, found '${v}'" at)
  if(NOT rc EQUAL 2 OR at EQUAL -1)
    fail("eval -w ${v}: exit code ${rc}, stderr: ${err}")
  endif()
endforeach()

# --- bench's own counts --------------------------------------------------------------------------
bad(bench train " 5")
bad(bench size "64 ")
bad(bench runs 0)
bad(bench runs 100001)
bad(bench fit-runs 0)
bad(bench fit-runs 1001)

# --- detect --------------------------------------------------------------------------------------
foreach(v 1025 -1 "" " 2" 2.0)
  bad(detect threads "${v}")
endforeach()

# --- the decision threshold: fit and detect --threshold, threshold --threads -----------------------
foreach(v nan inf abc "" 1e10 -1e10 1e999 " 1" "1 " 0x1)
  bad(detect threshold "${v}")
endforeach()
bad(fit threshold nan)
bad(fit threshold 1e10)
foreach(v 1025 -1 "" " 2")
  bad(threshold threads "${v}")
endforeach()

# --- synth ---------------------------------------------------------------------------------------
foreach(opt train validation test-good test-logical test-structural)
  bad(synth ${opt} " 1")
  bad(synth ${opt} "1 ")
endforeach()
bad(synth size " 64")
bad(synth size "64 ")
foreach(v -1 9223372036854775808 "5 " 0x5)
  bad(synth seed "${v}")
endforeach()

# Values the former parsers refused already, kept as guards of the shared one.
bad(eval hnsw-m 1)
bad(bench size 31)
bad(synth train 1000)
bad(synth size 4097)

# synth --categories naming one twice would write it twice and count it twice.
math(EXPR cases "${cases} + 1")
execute_process(COMMAND "${EXE}" synth --out "${WORK}/dup" --categories juice_bottle,juice_bottle --train 1
                        --validation 0 --test-good 0 --test-logical 0 --test-structural 0 --size 32 --quiet
                RESULT_VARIABLE rc ERROR_VARIABLE err)
string(FIND "${err}" "unislad synth: --categories: 'juice_bottle' is named twice" at)
if(NOT rc EQUAL 2 OR at EQUAL -1)
  fail("synth --categories juice_bottle,juice_bottle: exit code ${rc}, stderr: ${err}")
endif()
if(EXISTS "${WORK}/dup")
  fail("synth --categories juice_bottle,juice_bottle wrote '${WORK}/dup'")
endif()

# --- Valid values still pass -----------------------------------------------------------------------
foreach(cmd fit eval)
  good(${cmd} 1 "no-such-folder" -w 0.3 --w-i 1 --threads 0 --seed 5 --local-ratio 0.1 --global-ratio 1
       --mt-epsilon 1e-3 --grid 0 --hnsw-m 16 --hnsw-ef-search 1)
  good(${cmd} 1 "no-such-folder" -w -1 --w-i 0 --local-ratio 0 --mt ledoit-wolf --mt-epsilon 0.5 --grid 8
       --auto-index-threshold 2147483647 --seed 2147483647 --threads 1024)
  good(${cmd} 1 "no-such-folder" --w=-1.0 --w-i=+0.25 --mt-epsilon=1e6 --local-dims=64 --pretrain-dims=0
       --hnsw-ef-construction=1000000)
endforeach()
good(bench 2 "--category: expected" -w 0.3 --threads 0 --seed 5 --train 3 --size 32 --runs 1 --fit-runs 1000)
good(detect 1 "no-such-folder" --threads 0)
good(detect 1 "no-such-folder" --threads 1024)
good(detect 1 "no-such-folder" --threshold -1e9)
good(detect 1 "no-such-folder" --threshold=1e9)
good(fit 1 "no-such-folder" --threshold 0.75)
good(synth 0 "" --train 1 --validation 0 --test-good 1 --test-logical 0 --test-structural 0 --size 32 --seed 5)
if(NOT EXISTS "${WORK}/synth/juice_bottle/train/good")
  fail("synth --seed 5: no train/good folder written")
endif()

if(failures GREATER 0)
  message(FATAL_ERROR "${failures} of ${cases} command-line number cases failed (${bad_cases} bad values)")
endif()
message(STATUS "all ${cases} command-line number cases passed")
