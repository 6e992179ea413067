// The part of libnd4j's C++ ABI that the superloss ops use, declared by this project.
//
// Target: libnd4jcpu.so of org.nd4j:nd4j-native:1.0.0-M2.1:linux-x86_64, built from deeplearning4j commit
// 3a87acef06fbfa5712c353d1c7ed5fef686c0bcc (GCC 7.5, std::__cxx11 string ABI). No libnd4j header is included: every
// declaration below was written for this project from facts read in libnd4j/include at that commit, and each says
// what it mirrors there ("mirrors path: declaration"). NativeOps (Java) refuses to load this library next to any other
// nd4j-native build, because nothing here can be checked against another build at run time.
//
// What must match libnd4j, and how it was checked against the binary:
//  - namespaces, class names and parameter types: they make the mangled names this library links against. Linking
//    with -Wl,--no-undefined against the real libnd4jcpu.so fails on any mismatch (and `nm -DC libnd4jcpu.so` lists
//    each symbol used here as exported, T or V).
//  - the virtual slot order of DeclarableOp: the ops here override slots. Read from the relocations of
//    `vtable for sd::ops::matmul` (readelf -r): registerTypes, validateAndExecute, emptyHandling, two destructors,
//    validateDataTypes, calculateOutputShape, execute.
//  - sizeof(DeclarableOp) == 104: this library allocates its op objects (the static registration of matmul calls
//    operator new(0x68)); sizeof(ShapeList) == 32: allocated here, deleted by libnd4j (matmul::calculateOutputShape
//    calls operator new(0x20)). Asserted below.
//  - sizeof(DataType) == 4 (the loop of OpDescriptor::setAllowedInputTypes(initializer_list) steps by 4 bytes) and
//    the element type of the integer arguments, int (Context::setIArguments(long long*, int) stores 4-byte values).
//  - the layouts of std::vector and std::initializer_list: libstdc++'s, the same for GCC 7 and GCC 12.
//  - the shapeInfo buffer layout: see shape_info.h.
// Classes whose layout does not matter here (Context, NDArray, OpDescriptor, ConstantShapeHelper, OpRegistrator) are
// declared opaque: this library only passes their pointers to libnd4j's own member functions.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <vector>

// libnd4j's classes are exported from libnd4jcpu.so (SD_LIB_EXPORT): references to them must not be hidden in this
// library, which is compiled with -fvisibility=hidden.
#define SL_ND4J_EXTERN __attribute__((visibility("default")))

namespace sd {

// mirrors system/common.h: using LongType = long long;
typedef long long LongType;

// mirrors system/common.h: enum class Status : int (the values used here)
enum class Status : int { OK = 0, BAD_INPUT = 1, BAD_PARAMS = 4, VALIDATION = 20 };

// mirrors array/DataType.h: enum DataType (the values used here; an unscoped enum without a fixed underlying type,
// as there)
enum DataType { INHERIT = 0, HALF = 3, FLOAT32 = 5, DOUBLE = 6, BFLOAT16 = 17, ANY = 100 };
static_assert(sizeof(DataType) == 4, "sd::DataType is 4 bytes wide in libnd4j");

// mirrors array/NDArray.h: class NDArray (opaque). platformBuffer() is the CPU buffer already offset to the array's
// first element (array/cpu/NDArray.cpp: buffer(), which adds _offset * sizeOfT()), nullptr for an empty array;
// platformShapeInfo() is the host shapeInfo.
class SL_ND4J_EXTERN NDArray {
 public:
  void* platformBuffer();
  const LongType* platformShapeInfo() const;

 private:
  NDArray() = delete;
};

// mirrors array/ShapeList.h: class ShapeList { std::vector<const LongType*> _shapes; bool _destroyed = false;
// bool _autoremovable = false; bool _workspace = false; ... }. The members are mirrored for sizeof only: they are
// read and written by libnd4j's own member functions.
class SL_ND4J_EXTERN ShapeList {
 public:
  explicit ShapeList(const LongType* shape = nullptr);
  ~ShapeList();
  int size() const;
  const LongType* at(int idx);
  void push_back(const LongType* shape);

 private:
  std::vector<const LongType*> _shapes;
  bool _destroyed;
  bool _autoremovable;
  bool _workspace;
};
static_assert(sizeof(ShapeList) == 32, "libnd4j allocates and deletes ShapeList as 32 bytes");

// mirrors helpers/ConstantShapeHelper.h: class ConstantShapeHelper (opaque). Every shapeInfo it returns is cached for
// the life of the process: output shape functions return only these (libnd4j's callers free the ShapeList entries in
// different ways and copy them first where they free them). createFromExisting with destroyOriginal == false leaves
// the argument alone (the default, true, deletes it).
class SL_ND4J_EXTERN ConstantShapeHelper {
 public:
  static ConstantShapeHelper& getInstance();
  const LongType* scalarShapeInfo(DataType dataType);
  const LongType* createShapeInfo(DataType dataType, char order, int rank, const LongType* shape);
  const LongType* createFromExisting(LongType* shapeInfo, bool destroyOriginal);

 private:
  ConstantShapeHelper() = delete;
};

namespace graph {

// mirrors graph/ContextPrototype.h: class ContextPrototype (opaque): std::vector<double>* getTArguments();
// std::vector<int>* getIArguments();
class SL_ND4J_EXTERN ContextPrototype {
 public:
  std::vector<double>* getTArguments();
  std::vector<int>* getIArguments();

 private:
  ContextPrototype() = delete;
};

// mirrors graph/Context.h: class Context : public ContextPrototype (opaque). array(i) is input i (the fast path's
// array when the caller set one, as ND4J's Java executioner and SameDiff always do); width() is the number of
// inputs. width() is virtual in libnd4j; it is called here non-virtually, as Context's own override, on objects that
// are Contexts.
class SL_ND4J_EXTERN Context : public ContextPrototype {
 public:
  NDArray* array(int idx);
  unsigned long width();

 private:
  Context() = delete;
};

}  // namespace graph

namespace ops {

// mirrors ops/declarable/OpDescriptor.h: class OpDescriptor (opaque), the type setters used by registerTypes().
class SL_ND4J_EXTERN OpDescriptor {
 public:
  OpDescriptor* setAllowedInputTypes(const std::initializer_list<DataType>& dtypes);
  OpDescriptor* setAllowedOutputTypes(const std::initializer_list<DataType>& dtypes);
  OpDescriptor* setSameMode(bool reallySame);

 private:
  OpDescriptor() = delete;
};

}  // namespace ops
}  // namespace sd

// mirrors ops/declarable/EmptyHandling.h: enum EmptyHandling (the return type of a virtual slot; not used here)
namespace samediff {
enum EmptyHandling { EMPTY_SKIP = 1, EMPTY_EXCEPTION = 2, EMPTY_EXECUTE = 3 };
}

namespace sd {
namespace ops {

// mirrors ops/declarable/DeclarableOp.h: class DeclarableOp. Virtual functions in declaration order (that order is
// the vtable's); the data members (std::mutex, bool, std::string, OpDescriptor*, NDArray*: 96 bytes after the
// vtable pointer) are opaque here.
class SL_ND4J_EXTERN DeclarableOp {
 protected:
  virtual void registerTypes();                                      // slot 0
  virtual Status validateAndExecute(graph::Context& block) = 0;      // slot 1
  NDArray* getZ(graph::Context& block, int inputId = 0);             // output inputId (the fast path's when set)
  virtual samediff::EmptyHandling emptyHandling();                   // slot 2

 public:
  virtual ~DeclarableOp();                                           // slots 3 (complete) and 4 (deleting)
  OpDescriptor* getOpDescriptor();
  virtual Status validateDataTypes(graph::Context& block);           // slot 5
  virtual ShapeList* calculateOutputShape(ShapeList* inputShape, graph::Context& block) = 0;  // slot 6
  LongType getOpHash();
  virtual Status execute(graph::Context* block);                     // slot 7

 protected:
  DeclarableOp() = delete;
  DeclarableOp(const DeclarableOp&) = delete;

 private:
  alignas(8) unsigned char _opaque[96];
};

// mirrors ops/declarable/DeclarableCustomOp.h: class DeclarableCustomOp : public DeclarableOp, no data members and no
// new virtual functions. nIn/nOut -1 mean "variable"; tArgs/iArgs are the minimum numbers of arguments
// (DeclarableOp::validateArguments).
class SL_ND4J_EXTERN DeclarableCustomOp : public DeclarableOp {
 public:
  DeclarableCustomOp(int numInputs, int numOutputs, const char* opName, bool allowsInplace, int tArgs, int iArgs);
};
static_assert(sizeof(DeclarableOp) == 104, "libnd4j's DeclarableOp is 104 bytes (operator new(0x68) for matmul)");
static_assert(sizeof(DeclarableCustomOp) == 104, "DeclarableCustomOp adds no data members");

// mirrors ops/declarable/OpRegistrator.h: class OpRegistrator (opaque). registerOperation(op) files op under its
// name and under the hash of its name and keeps it for the life of the process; getOperation(name) returns nullptr
// for an unknown name (getOperation(hash) prints a message for an unknown hash, so it is not used).
class SL_ND4J_EXTERN OpRegistrator {
 public:
  static OpRegistrator& getInstance();
  bool registerOperation(DeclarableOp* op);
  DeclarableOp* getOperation(const char* name);

 private:
  OpRegistrator() = delete;
};

}  // namespace ops
}  // namespace sd
