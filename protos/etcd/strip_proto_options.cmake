# Copies one of etcd's .proto files without the gogoproto and google.api
# annotations and their imports. Those options only steer Go code generation
# (gogo marshalers) and etcd's HTTP/JSON gateway; they do not change the wire
# format, and their .proto files are not packaged for protoc. See
# docs/CLUSTER.md.
#
#   cmake -DINPUT=in.proto -DOUTPUT=out.proto -P strip_proto_options.cmake
#
# Fails if anything of either kind is left, so that a new form of annotation
# in a later etcd release is noticed here rather than as a protoc error.
if(NOT INPUT OR NOT OUTPUT)
  message(FATAL_ERROR "usage: cmake -DINPUT=in.proto -DOUTPUT=out.proto -P ${CMAKE_SCRIPT_MODE_FILE}")
endif()
file(READ "${INPUT}" text)

# import "gogoproto/gogo.proto";  import "google/api/annotations.proto";
string(REGEX REPLACE "import \"(gogoproto/gogo|google/api/annotations)\\.proto\";[^\n]*\n" ""
       text "${text}")
# option (gogoproto.marshaler_all) = true;
string(REGEX REPLACE "option \\(gogoproto\\.[a-z_]+\\) = [a-z]+;[^\n]*\n" "" text "${text}")
# [(gogoproto.nullable) = false] on a field (none in etcd 3.4's API protos).
string(REGEX REPLACE " *\\[\\(gogoproto\\.[a-z_]+\\) = [^]]*\\]" "" text "${text}")
# option (google.api.http) = { post: "/v3/kv/range" body: "*" };  over several
# lines, some with one nested block (additional_bindings { ... }).
string(REGEX REPLACE "[ \t]*option \\(google\\.api\\.http\\) = {([^{}]|{[^{}]*})*};[^\n]*\n" ""
       text "${text}")

string(REGEX MATCH "[^\n]*(gogoproto|google\\.api)[^\n]*" left "${text}")
if(left)
  message(FATAL_ERROR "${INPUT}: an annotation this script does not strip: ${left}")
endif()
file(WRITE "${OUTPUT}" "${text}")
