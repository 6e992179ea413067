// Reading libnd4j shapeInfo buffers, and walking arrays of any layout element by element.
//
// Layout (mirrors helpers/shape.h and array/ArrayOptions.h at deeplearning4j 3a87acef06fb): 2 * rank + 4 longs,
//   [rank, shape[0..rank), stride[0..rank), extra, ews, order]
// strides in elements; `extra` holds property bits, among them the data type (ARRAY_FLOAT 8192, ARRAY_DOUBLE 16384)
// and ARRAY_EMPTY (8). The element-wise stride `ews` and the order character are not trusted here: contiguity is
// derived from the shape and the strides, and anything else is walked through its strides.
#pragma once

#include <stdexcept>
#include <string>

#include "nd4j_abi.h"

namespace superloss {

using sd::LongType;

constexpr LongType ARRAY_EMPTY = 8;
constexpr LongType ARRAY_FLOAT = 8192;
constexpr LongType ARRAY_DOUBLE = 16384;
// mirrors system/common.h: SD_MAX_RANK
constexpr int MAX_RANK = 32;

// A read-only view of one shapeInfo buffer.
class Shape {
 public:
  explicit Shape(const LongType* info) : info_(info) {
    if (info == nullptr) {
      throw std::invalid_argument("missing shape information");
    }
    if (info[0] < 0 || info[0] > MAX_RANK) {
      throw std::invalid_argument("rank " + std::to_string(info[0]) + " outside [0, " + std::to_string(MAX_RANK) + "]");
    }
  }

  const LongType* info() const { return info_; }
  int rank() const { return static_cast<int>(info_[0]); }
  const LongType* dims() const { return info_ + 1; }
  const LongType* strides() const { return info_ + 1 + rank(); }
  LongType extra() const { return info_[2 * rank() + 1]; }
  bool isEmpty() const { return (extra() & ARRAY_EMPTY) == ARRAY_EMPTY; }
  bool isFloat() const { return (extra() & ARRAY_FLOAT) == ARRAY_FLOAT; }
  bool isDouble() const { return !isFloat() && (extra() & ARRAY_DOUBLE) == ARRAY_DOUBLE; }

  // FLOAT32 or DOUBLE; INHERIT for anything else.
  sd::DataType dataType() const { return isFloat() ? sd::FLOAT32 : isDouble() ? sd::DOUBLE : sd::INHERIT; }

  LongType length() const {
    if (isEmpty()) {
      return 0;
    }
    LongType n = 1;
    for (int d = 0; d < rank(); d++) {
      n *= dims()[d];
    }
    return n;
  }

  bool sameDims(const Shape& other) const {
    if (rank() != other.rank()) {
      return false;
    }
    for (int d = 0; d < rank(); d++) {
      if (dims()[d] != other.dims()[d]) {
        return false;
      }
    }
    return true;
  }

  // Whether the elements are dense in memory in 'c' order (last index fastest) or in 'f' order; dimensions of
  // length 1 may have any stride.
  bool isDense(char order) const {
    LongType expected = 1;
    for (int i = 0; i < rank(); i++) {
      int d = order == 'c' ? rank() - 1 - i : i;
      if (dims()[d] != 1) {
        if (strides()[d] != expected) {
          return false;
        }
        expected *= dims()[d];
      }
    }
    return true;
  }

  // The offset, in elements from the first one, of the element with 'c'-order index i (0 <= i < length()).
  LongType offsetOf(LongType i) const {
    LongType offset = 0;
    for (int d = rank() - 1; d >= 0; d--) {
      offset += (i % dims()[d]) * strides()[d];
      i /= dims()[d];
    }
    return offset;
  }

  // "[2,3]", for messages.
  std::string toString() const {
    std::string s = "[";
    for (int d = 0; d < rank(); d++) {
      s += (d > 0 ? "," : "") + std::to_string(dims()[d]);
    }
    return s + "]";
  }

 private:
  const LongType* info_;
};

// Applies out[i] = f(in[i]) for every element i of two arrays of the same dimensions, whatever their strides: one
// flat loop when both are dense in the same order, otherwise an odometer over the outer dimensions with an inner loop
// over the last one. `in` and `out` point at the first element (NDArray::platformBuffer()); they may be the same
// array.
template <typename T, typename F>
void mapElements(const Shape& inShape, const T* in, const Shape& outShape, T* out, F f) {
  LongType n = inShape.length();
  if (n == 0) {
    return;
  }
  if ((inShape.isDense('c') && outShape.isDense('c')) || (inShape.isDense('f') && outShape.isDense('f'))) {
    for (LongType i = 0; i < n; i++) {
      out[i] = f(in[i]);
    }
    return;
  }
  int rank = inShape.rank();  // >= 1: a rank-0 array is dense
  const LongType* dims = inShape.dims();
  const LongType* inStrides = inShape.strides();
  const LongType* outStrides = outShape.strides();
  LongType last = dims[rank - 1];
  LongType inStep = inStrides[rank - 1];
  LongType outStep = outStrides[rank - 1];
  LongType coords[MAX_RANK] = {0};
  LongType inOffset = 0;
  LongType outOffset = 0;
  for (LongType row = 0, rows = n / last; row < rows; row++) {
    for (LongType j = 0; j < last; j++) {
      out[outOffset + j * outStep] = f(in[inOffset + j * inStep]);
    }
    for (int d = rank - 2; d >= 0; d--) {
      inOffset += inStrides[d];
      outOffset += outStrides[d];
      if (++coords[d] < dims[d]) {
        break;
      }
      inOffset -= inStrides[d] * dims[d];
      outOffset -= outStrides[d] * dims[d];
      coords[d] = 0;
    }
  }
}

}  // namespace superloss
