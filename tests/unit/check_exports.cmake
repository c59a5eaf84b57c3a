# SPDX-License-Identifier: GPL-2.0-or-later
#
# libblksnap exports exactly the functions its public header declares, all
# listed in the version script: a function added to one and not the others
# is either unusable or leaks out unversioned.
#
# cmake -DLIB=libblksnap.so -DSYMFILE=libblksnap.sym -DHEADER=blksnap.h -P ...

cmake_policy(VERSION 3.25)

execute_process(COMMAND nm -D --defined-only ${LIB}
	OUTPUT_VARIABLE nm_out RESULT_VARIABLE rc)
if(rc)
	message(FATAL_ERROR "nm failed on ${LIB}")
endif()
string(REGEX MATCHALL "[TDBR] [a-z_0-9]+@" exported "${nm_out}")
list(TRANSFORM exported REPLACE "^. (.*)@$" "\\1")

file(READ ${SYMFILE} sym)
# (No ';' in the pattern: it would split list elements.)
string(REGEX MATCHALL "\n\tblksnap_[a-z_0-9]+" listed "${sym}")
list(TRANSFORM listed STRIP)

file(READ ${HEADER} hdr)
string(REGEX MATCHALL "extern [^;(]*[ *](blksnap_[a-z_0-9]+)\\(" declared "${hdr}")
list(TRANSFORM declared REPLACE "^.*[ *](blksnap_[a-z_0-9]+)\\($" "\\1")

foreach(set exported listed declared)
	list(SORT ${set})
	message(STATUS "${set}: ${${set}}")
endforeach()
if(NOT exported STREQUAL declared OR NOT listed STREQUAL declared)
	message(FATAL_ERROR "exported, listed and declared symbols differ")
endif()
list(LENGTH declared n)
message(STATUS "[  PASSED  ] ${n} public functions exported, listed and declared")
