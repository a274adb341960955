# Writes OUTPUT (build_info.cc) from build_info.cc.in with VERSION and the
# source tree's git revision, touching the file only when its text changes
# (so an unchanged revision recompiles nothing). Run at build time by the
# eventlog_build_info_gen target (storage/util/CMakeLists.txt).
#
#   -DSOURCE_DIR=... -DTEMPLATE=... -DOUTPUT=... -DVERSION=...
#   -DREVISION=...   (optional: wins over git, e.g. a container build
#                     without .git passes its commit here)
if(REVISION STREQUAL "")
  set(REVISION "unknown")
  find_program(GIT git)
  if(GIT)
    execute_process(COMMAND ${GIT} -C ${SOURCE_DIR} rev-parse --short=12 HEAD
                    OUTPUT_VARIABLE head RESULT_VARIABLE failed
                    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(NOT failed AND NOT head STREQUAL "")
      set(REVISION "${head}")
      # Tracked files edited since that commit.
      execute_process(COMMAND ${GIT} -C ${SOURCE_DIR} diff --quiet HEAD --
                      RESULT_VARIABLE dirty ERROR_QUIET)
      if(dirty)
        set(REVISION "${REVISION}-dirty")
      endif()
    endif()
  endif()
endif()
set(EVENTLOG_VERSION "${VERSION}")
set(EVENTLOG_GIT_REVISION "${REVISION}")
configure_file(${TEMPLATE} ${OUTPUT} @ONLY)
