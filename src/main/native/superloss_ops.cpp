// The superloss ops for libnd4j (ND4J's CPU backend): W0 element-wise, the SuperLoss rows and the threshold update,
// each a DeclarableCustomOp registered into libnd4j's op registry by NativeOps.registerOps (JNI) after
// System.load. Their Java sides are io.superloss.LambertW0Op, SuperLossRowsOp and ThresholdUpdateOp, whose Javadoc
// states the contracts; the arithmetic is the generated C of the Java kernels (lambertw.cuh: LambertWKernel and
// SuperLossKernel), so results are the Java kernels' bits (sigma: the C library's exp instead of Math.exp).
//
// Every op instance is shared by all threads (libnd4j keeps one per name): no op keeps state between calls. Errors are
// thrown as std::exception; libnd4j's entry points catch them and ND4J reports the message in its Java exception.
// Each op runs on the calling thread.
#include <jni.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "lambertw.cuh"
#include "nd4j_abi.h"
#include "shape_info.h"

namespace superloss {
namespace {

using sd::Status;
using sd::graph::Context;
using sd::ops::DeclarableCustomOp;

[[noreturn]] void fail(const char* op, const std::string& message) {
  throw std::invalid_argument(std::string(op) + ": " + message);
}

const char* typeName(const Shape& s) {
  return s.isFloat() ? "FLOAT" : s.isDouble() ? "DOUBLE" : "neither FLOAT nor DOUBLE";
}

Shape inputShape(sd::ShapeList* inputShapes, int i) { return Shape(inputShapes->at(i)); }

// The cached shapeInfo of a new 'c'-order array of s's dimensions and the given type; for an empty s, s itself (empty
// arrays keep their flag, which createShapeInfo would not set).
const LongType* outputLike(const Shape& s, sd::DataType type) {
  sd::ConstantShapeHelper& helper = sd::ConstantShapeHelper::getInstance();
  if (s.isEmpty()) {
    return helper.createFromExisting(const_cast<LongType*>(s.info()), false);
  }
  if (s.rank() == 0) {
    return helper.scalarShapeInfo(type);
  }
  return helper.createShapeInfo(type, 'c', s.rank(), s.dims());
}

void requireDouble(const char* op, const char* name, const Shape& s) {
  if (!s.isDouble()) {
    fail(op, std::string("'") + name + "' must be DOUBLE, got " + typeName(s));
  }
}

void requireScalar(const char* op, const char* name, const Shape& s) {
  requireDouble(op, name, s);
  if (s.length() != 1) {
    fail(op, std::string("'") + name + "' must have exactly one element, got shape " + s.toString() +
                 (s.isEmpty() ? " (empty)" : ""));
  }
}

// [rows,1] DOUBLE (rows may be 0).
void requireColumn(const char* op, const char* name, const Shape& s) {
  requireDouble(op, name, s);
  if (s.rank() != 2 || s.dims()[1] != 1) {
    fail(op, std::string("'") + name + "' must have shape [rows,1], got " + s.toString());
  }
}

double scalarValue(sd::NDArray* a) { return *static_cast<const double*>(a->platformBuffer()); }

// Element `row` of a [rows,1] array: offset row * stride[0] from its first element.
struct Column {
  double* data;
  LongType stride;

  explicit Column(sd::NDArray* a)
      : data(static_cast<double*>(a->platformBuffer())), stride(Shape(a->platformShapeInfo()).strides()[0]) {}

  double& operator[](LongType row) const { return data[row * stride]; }
};

double tArg(Context& block, const char* op, const char* name, int i) {
  std::vector<double>* args = block.getTArguments();
  if (args == nullptr || static_cast<int>(args->size()) <= i) {
    fail(op, std::string("missing floating-point argument ") + std::to_string(i) + " ('" + name + "')");
  }
  return (*args)[i];
}

int iArg(Context& block, const char* op, const char* name, int i) {
  std::vector<int>* args = block.getIArguments();
  if (args == nullptr || static_cast<int>(args->size()) <= i) {
    fail(op, std::string("missing integer argument ") + std::to_string(i) + " ('" + name + "')");
  }
  return (*args)[i];
}

// An op whose inputs and outputs are all DOUBLE.
class DoubleOp : public DeclarableCustomOp {
 protected:
  using DeclarableCustomOp::DeclarableCustomOp;

  void registerTypes() override {
    getOpDescriptor()->setAllowedInputTypes({sd::DOUBLE})->setAllowedOutputTypes({sd::DOUBLE});
  }
};

// ----------------------------------------------------------------------------------------------- superloss_lambertw0
// Input z: FLOAT or DOUBLE, any shape, layout and rank, possibly empty. Output: W0(z) element-wise, the same type and
// dimensions ('c' order when libnd4j allocates it; any layout when the caller provides it), exactly
// LambertWKernel.w0(float) / w0(double).
class LambertW0 : public DeclarableCustomOp {
 public:
  static constexpr const char* NAME = "superloss_lambertw0";

  LambertW0() : DeclarableCustomOp(1, 1, NAME, false, 0, 0) {}

 protected:
  void registerTypes() override {
    getOpDescriptor()->setAllowedInputTypes({sd::FLOAT32, sd::DOUBLE})->setAllowedOutputTypes(
        {sd::FLOAT32, sd::DOUBLE})->setSameMode(true);
  }

  Status validateAndExecute(Context& block) override {
    sd::NDArray* zArray = block.array(0);
    sd::NDArray* wArray = getZ(block, 0);
    Shape z(zArray->platformShapeInfo());
    Shape w(wArray->platformShapeInfo());
    checkInput(z);
    if (!w.sameDims(z) || w.dataType() != z.dataType() || w.length() != z.length()) {
      fail(NAME, "output " + w.toString() + " " + typeName(w) + " does not match input " + z.toString() + " " +
                     typeName(z));
    }
    if (z.length() == 0) {
      return Status::OK;
    }
    if (z.isFloat()) {
      mapElements(z, static_cast<const float*>(zArray->platformBuffer()), w,
                  static_cast<float*>(wArray->platformBuffer()), [](float x) { return sl_w0_f32(x); });
    } else {
      mapElements(z, static_cast<const double*>(zArray->platformBuffer()), w,
                  static_cast<double*>(wArray->platformBuffer()), [](double x) { return sl_w0_f64(x); });
    }
    return Status::OK;
  }

 public:
  sd::ShapeList* calculateOutputShape(sd::ShapeList* inputShapes, Context& block) override {
    (void)block;
    if (inputShapes->size() != 1) {
      fail(NAME, "expects 1 input, got " + std::to_string(inputShapes->size()));
    }
    Shape z = inputShape(inputShapes, 0);
    checkInput(z);
    return new sd::ShapeList(outputLike(z, z.dataType()));
  }

 private:
  static void checkInput(const Shape& z) {
    if (z.dataType() == sd::INHERIT) {
      fail(NAME, std::string("'z' must be FLOAT or DOUBLE, got ") + typeName(z));
    }
  }
};

// The sums over a batch's usable rows (weight != 0 and a finite loss), in row order as PreparedBatch forms them:
// *sum = sum of weight * loss, *total = sum of weight. loss and weight: DOUBLE columns of equal length; weight null
// means weight 1 for every row.
void usableSums(sd::NDArray* lossArray, sd::NDArray* weightArray, double* sum, double* total) {
  *sum = 0.0;
  *total = 0.0;
  LongType rows = Shape(lossArray->platformShapeInfo()).length();
  if (rows == 0) {
    return;
  }
  Column l(lossArray);
  if (weightArray != nullptr) {
    Column weight(weightArray);
    for (LongType i = 0; i < rows; i++) {
      double w = weight[i];
      if (w != 0.0 && std::isfinite(l[i])) {
        *sum += w * l[i];
        *total += w;
      }
    }
  } else {
    for (LongType i = 0; i < rows; i++) {
      if (std::isfinite(l[i])) {
        *sum += l[i];
        *total += 1.0;
      }
    }
  }
}

// --------------------------------------------------------------------------------------------------- superloss_rows
// Inputs: loss [rows,1], tau (one element), optionally weight [rows,1], all DOUBLE; floating-point argument lambda
// (finite, > 0). Outputs, [rows,1] DOUBLE each: weight times the row's SuperLoss (exactly 0 where weight is 0), sigma
// (NaN where weight is 0), and d superLoss / d loss = weight times sigma (0 where weight is 0). No weight means
// weight 1. A NaN tau (a threshold no training call has set) stands for the batch's own mean over its usable rows,
// as in PreparedBatch.scoringTau (NaN when there is none). The row arithmetic is SuperLossKernel.forward
// (sl_superloss_row).
class SuperLossRows : public DoubleOp {
 public:
  static constexpr const char* NAME = "superloss_rows";

  SuperLossRows() : DoubleOp(-1, 3, NAME, false, 1, 0) {}

 protected:
  Status validateAndExecute(Context& block) override {
    int inputs = static_cast<int>(block.width());
    checkInputCount(inputs);
    Shape loss(block.array(0)->platformShapeInfo());
    checkInputs(loss, Shape(block.array(1)->platformShapeInfo()),
                inputs == 3 ? Shape(block.array(2)->platformShapeInfo()) : loss);
    double lambda = checkedLambda(block);
    for (int o = 0; o < 3; o++) {
      Shape out(getZ(block, o)->platformShapeInfo());
      requireDouble(NAME, "output", out);
      if (!out.sameDims(loss)) {
        fail(NAME, "output " + std::to_string(o) + " has shape " + out.toString() + ", expected " + loss.toString());
      }
    }
    LongType rows = loss.length();
    if (rows == 0) {
      return Status::OK;
    }
    Column l(block.array(0));
    double tau = scalarValue(block.array(1));
    if (std::isnan(tau)) {
      double sum;
      double total;
      usableSums(block.array(0), inputs == 3 ? block.array(2) : nullptr, &sum, &total);
      if (total > 0.0) {
        tau = sum / total;
      }
    }
    Column superLoss(getZ(block, 0));
    Column sigma(getZ(block, 1));
    Column slope(getZ(block, 2));
    if (inputs == 3) {
      Column weight(block.array(2));
      for (LongType i = 0; i < rows; i++) {
        double w = weight[i];
        sl_superloss_row(l[i], w, tau, lambda, &superLoss[i], &sigma[i]);
        slope[i] = w == 0.0 ? 0.0 : w * sigma[i];
      }
    } else {
      for (LongType i = 0; i < rows; i++) {
        sl_superloss_row(l[i], 1.0, tau, lambda, &superLoss[i], &sigma[i]);
        slope[i] = sigma[i];
      }
    }
    return Status::OK;
  }

 public:
  sd::ShapeList* calculateOutputShape(sd::ShapeList* inputShapes, Context& block) override {
    int inputs = inputShapes->size();
    checkInputCount(inputs);
    Shape loss = inputShape(inputShapes, 0);
    checkInputs(loss, inputShape(inputShapes, 1), inputs == 3 ? inputShape(inputShapes, 2) : loss);
    checkedLambda(block);
    const LongType* out = outputLike(loss, sd::DOUBLE);
    sd::ShapeList* list = new sd::ShapeList(out);
    list->push_back(out);
    list->push_back(out);
    return list;
  }

 private:
  static void checkInputCount(int inputs) {
    if (inputs != 2 && inputs != 3) {
      fail(NAME, "expects 2 or 3 inputs (loss, tau[, weight]), got " + std::to_string(inputs));
    }
  }

  static void checkInputs(const Shape& loss, const Shape& tau, const Shape& weight) {
    requireColumn(NAME, "loss", loss);
    requireScalar(NAME, "tau", tau);
    requireColumn(NAME, "weight", weight);
    if (!weight.sameDims(loss)) {
      fail(NAME, "'weight' has shape " + weight.toString() + ", 'loss' " + loss.toString());
    }
  }

  static double checkedLambda(Context& block) {
    double lambda = tArg(block, NAME, "lambda", 0);
    if (!(lambda > 0.0) || !std::isfinite(lambda)) {
      fail(NAME, "'lambda' must be finite and > 0, got " + std::to_string(lambda));
    }
    return lambda;
  }
};

// --------------------------------------------------------------------------------------- superloss_threshold_update
// One training call's threshold update. Inputs, DOUBLE: tau (one element), counts (three elements: calls, rowWeight,
// seenWeight, in that order), loss [rows,1], optionally weight [rows,1] (none: weight 1). Integer arguments: policy
// (0 constant, 1 EMA, 2 global mean), warmupIterations (>= 0); floating-point argument: momentum (EMA: in (0, 1);
// ignored by the other policies). Outputs: the new tau and the new counts, each of its input's dimensions.
//
// Usable rows have weight != 0 and a finite loss; S = sum of weight * loss over them, B = sum of their weights (in row
// order). B == 0: nothing changes. Otherwise, with m = S / B and warmingUp = calls < warmupIterations:
//   constant:    tau unchanged;
//   EMA:         tau = m if warmingUp, tau is NaN or calls == warmupIterations, else tau - (1 - momentum)(tau - m);
//   global mean: warmingUp: tau = m; else total = rowWeight + B,
//                tau = (rowWeight == 0 ? m : tau + (S - B tau) / total), rowWeight = total;
// then calls += 1 and seenWeight += B. The same rules as the Threshold policies' advance, in the same order.
class ThresholdUpdate : public DoubleOp {
 public:
  static constexpr const char* NAME = "superloss_threshold_update";

  ThresholdUpdate() : DoubleOp(-1, 2, NAME, false, 1, 2) {}

 protected:
  Status validateAndExecute(Context& block) override {
    int inputs = static_cast<int>(block.width());
    checkInputCount(inputs);
    checkInputs(inputs, [&](int i) { return Shape(block.array(i)->platformShapeInfo()); });
    Arguments args = checkedArguments(block);
    for (int i = 0; i < 2; i++) {
      Shape in(block.array(i)->platformShapeInfo());
      Shape out(getZ(block, i)->platformShapeInfo());
      requireDouble(NAME, "output", out);
      if (out.length() != in.length()) {
        fail(NAME, "output " + std::to_string(i) + " has shape " + out.toString() + ", expected " + in.toString());
      }
    }
    double tau = scalarValue(block.array(0));
    Vector counts(block.array(1));
    double calls = counts[0];
    double rowWeight = counts[1];
    double seenWeight = counts[2];

    double sum;
    double total;
    usableSums(block.array(2), inputs == 4 ? block.array(3) : nullptr, &sum, &total);
    if (total != 0.0) {
      double mean = sum / total;
      bool warmingUp = calls < args.warmupIterations;
      switch (args.policy) {
        case CONSTANT:
          break;
        case EMA:
          if (warmingUp || std::isnan(tau) || calls == args.warmupIterations) {
            tau = mean;
          } else {
            tau = tau - (1.0 - args.momentum) * (tau - mean);
          }
          break;
        case GLOBAL_MEAN:
          if (warmingUp) {
            tau = mean;
          } else {
            double grown = rowWeight + total;
            tau = rowWeight == 0.0 ? mean : tau + (sum - total * tau) / grown;
            rowWeight = grown;
          }
          break;
      }
      calls += 1.0;
      seenWeight += total;
    }
    *static_cast<double*>(getZ(block, 0)->platformBuffer()) = tau;
    Vector next(getZ(block, 1));
    next[0] = calls;
    next[1] = rowWeight;
    next[2] = seenWeight;
    return Status::OK;
  }

 public:
  sd::ShapeList* calculateOutputShape(sd::ShapeList* inputShapes, Context& block) override {
    int inputs = inputShapes->size();
    checkInputCount(inputs);
    checkInputs(inputs, [&](int i) { return inputShape(inputShapes, i); });
    checkedArguments(block);
    sd::ShapeList* list = new sd::ShapeList(outputLike(inputShape(inputShapes, 0), sd::DOUBLE));
    list->push_back(outputLike(inputShape(inputShapes, 1), sd::DOUBLE));
    return list;
  }

 private:
  enum Policy { CONSTANT = 0, EMA = 1, GLOBAL_MEAN = 2 };

  struct Arguments {
    Policy policy;
    double warmupIterations;
    double momentum;
  };

  // The i-th of the three elements of a counts array of any layout (its elements in 'c' order of its dimensions).
  struct Vector {
    double* data;
    LongType offsets[3];

    explicit Vector(sd::NDArray* a) : data(static_cast<double*>(a->platformBuffer())) {
      Shape s(a->platformShapeInfo());
      for (LongType i = 0; i < 3; i++) {
        offsets[i] = s.offsetOf(i);
      }
    }

    double& operator[](LongType i) const { return data[offsets[i]]; }
  };

  static void checkInputCount(int inputs) {
    if (inputs != 3 && inputs != 4) {
      fail(NAME, "expects 3 or 4 inputs (tau, counts, loss[, weight]), got " + std::to_string(inputs));
    }
  }

  template <typename ShapeOf>
  static void checkInputs(int inputs, ShapeOf shapeOf) {
    requireScalar(NAME, "tau", shapeOf(0));
    Shape counts = shapeOf(1);
    requireDouble(NAME, "counts", counts);
    if (counts.length() != 3) {
      fail(NAME, "'counts' (calls, rowWeight, seenWeight) must have 3 elements, got shape " + counts.toString());
    }
    Shape loss = shapeOf(2);
    requireColumn(NAME, "loss", loss);
    if (inputs == 4) {
      Shape weight = shapeOf(3);
      requireColumn(NAME, "weight", weight);
      if (!weight.sameDims(loss)) {
        fail(NAME, "'weight' has shape " + weight.toString() + ", 'loss' " + loss.toString());
      }
    }
  }

  static Arguments checkedArguments(Context& block) {
    int policy = iArg(block, NAME, "policy", 0);
    int warmup = iArg(block, NAME, "warmupIterations", 1);
    double momentum = tArg(block, NAME, "momentum", 0);
    if (policy < CONSTANT || policy > GLOBAL_MEAN) {
      fail(NAME, "'policy' must be 0 (constant), 1 (EMA) or 2 (global mean), got " + std::to_string(policy));
    }
    if (warmup < 0) {
      fail(NAME, "'warmupIterations' must be >= 0, got " + std::to_string(warmup));
    }
    if (policy == EMA && !(momentum > 0.0 && momentum < 1.0)) {
      fail(NAME, "'momentum' must be in (0, 1) for the EMA policy, got " + std::to_string(momentum));
    }
    return Arguments{static_cast<Policy>(policy), static_cast<double>(warmup), momentum};
  }
};

// The op named `name`, registered once per process: an op of that name that is already registered (by an earlier
// copy of this library, loaded through another class loader) is kept.
template <typename Op>
sd::ops::DeclarableOp* registered() {
  sd::ops::OpRegistrator& registry = sd::ops::OpRegistrator::getInstance();
  sd::ops::DeclarableOp* op = registry.getOperation(Op::NAME);
  if (op == nullptr) {
    op = new Op();
    registry.registerOperation(op);
  }
  return op;
}

}  // namespace
}  // namespace superloss

// io.superloss.NativeOps.registerOps(): registers the ops (once per process) and returns libnd4j's hashes of them, in
// the order superloss_lambertw0, superloss_rows, superloss_threshold_update; on failure throws IllegalStateException.
extern "C" JNIEXPORT jlongArray JNICALL Java_io_superloss_NativeOps_registerOps(JNIEnv* env, jclass) {
  try {
    jlong hashes[3] = {
        static_cast<jlong>(superloss::registered<superloss::LambertW0>()->getOpHash()),
        static_cast<jlong>(superloss::registered<superloss::SuperLossRows>()->getOpHash()),
        static_cast<jlong>(superloss::registered<superloss::ThresholdUpdate>()->getOpHash()),
    };
    jlongArray result = env->NewLongArray(3);
    if (result != nullptr) {
      env->SetLongArrayRegion(result, 0, 3, hashes);
    }
    return result;
  } catch (const std::exception& e) {
    env->ThrowNew(env->FindClass("java/lang/IllegalStateException"), e.what());
  } catch (...) {
    env->ThrowNew(env->FindClass("java/lang/IllegalStateException"), "unknown C++ exception");
  }
  return nullptr;
}
