// The superloss ops for libnd4j (ND4J's CPU backend): W0 element-wise, the SuperLoss rows, the threshold update and
// the last two in one (a training call without gradients), each a DeclarableCustomOp registered into libnd4j's op
// registry by NativeOps.registerOps (JNI) after System.load. Their Java sides are io.superloss.LambertW0Op,
// SuperLossRowsOp, ThresholdUpdateOp and TrainingRowsOp, whose Javadoc states the contracts; the arithmetic is the
// generated C of the Java kernels (lambertw.cuh: LambertWKernel and SuperLossKernel), so results are the Java kernels'
// bits (sigma: the C library's exp instead of Math.exp).
//
// Every op instance is shared by all threads (libnd4j keeps one per name): no op keeps state between calls. Errors are
// thrown as std::exception; libnd4j's entry points catch them and ND4J reports the message in its Java exception.
// Each op runs on the calling thread.
#include <jni.h>

#include <cmath>
#include <initializer_list>
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

  Column() : data(nullptr), stride(0) {}

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

// ------------------------------------------------------------------------------------------- the SuperLoss rows
// Shared by superloss_rows and superloss_training_rows.

// The threshold the rows are evaluated at: tau, or for a NaN tau (a threshold no training call has set) the batch's
// own mean over its usable rows, as in PreparedBatch.scoringTau (still NaN when there is none).
double rowsTau(double tau, sd::NDArray* lossArray, sd::NDArray* weightArray) {
  if (std::isnan(tau)) {
    double sum;
    double total;
    usableSums(lossArray, weightArray, &sum, &total);
    if (total > 0.0) {
      return sum / total;
    }
  }
  return tau;
}

// Writes, for every row of the DOUBLE [rows,1] loss (weight null: weight 1), weight times the row's SuperLoss
// (exactly 0 where weight is 0) and sigma (NaN where weight is 0) at threshold tau, by SuperLossKernel.forward
// (sl_superloss_row); and, when slopeArray is not null, d superLoss / d loss = weight times sigma (0 where weight is 0).
void writeRows(sd::NDArray* lossArray, sd::NDArray* weightArray, double tau, double lambda,
               sd::NDArray* superLossArray, sd::NDArray* sigmaArray, sd::NDArray* slopeArray) {
  LongType rows = Shape(lossArray->platformShapeInfo()).length();
  if (rows == 0) {
    return;
  }
  Column l(lossArray);
  Column superLoss(superLossArray);
  Column sigma(sigmaArray);
  Column weight = weightArray == nullptr ? Column() : Column(weightArray);
  Column slope = slopeArray == nullptr ? Column() : Column(slopeArray);
  for (LongType i = 0; i < rows; i++) {
    double w = weightArray == nullptr ? 1.0 : weight[i];
    sl_superloss_row(l[i], w, tau, lambda, &superLoss[i], &sigma[i]);
    if (slopeArray != nullptr) {
      slope[i] = w == 0.0 ? 0.0 : w * sigma[i];
    }
  }
}

// loss [rows,1], tau one element, weight [rows,1] of loss's dimensions (pass loss itself for no weight).
void checkRowsInputs(const char* op, const Shape& loss, const Shape& tau, const Shape& weight) {
  requireColumn(op, "loss", loss);
  requireScalar(op, "tau", tau);
  requireColumn(op, "weight", weight);
  if (!weight.sameDims(loss)) {
    fail(op, "'weight' has shape " + weight.toString() + ", 'loss' " + loss.toString());
  }
}

// The per-row outputs, numbered from `first` in messages: DOUBLE, of loss's dimensions.
void checkRowOutputs(const char* op, std::initializer_list<sd::NDArray*> outputs, int first, const Shape& loss) {
  int o = first;
  for (sd::NDArray* output : outputs) {
    Shape out(output->platformShapeInfo());
    requireDouble(op, "output", out);
    if (!out.sameDims(loss)) {
      fail(op, "output " + std::to_string(o) + " has shape " + out.toString() + ", expected " + loss.toString());
    }
    o++;
  }
}

// Floating-point argument i: lambda, finite and > 0.
double checkedLambda(const char* op, Context& block, int i) {
  double lambda = tArg(block, op, "lambda", i);
  if (!(lambda > 0.0) || !std::isfinite(lambda)) {
    fail(op, "'lambda' must be finite and > 0, got " + std::to_string(lambda));
  }
  return lambda;
}

// --------------------------------------------------------------------------------------------------- superloss_rows
// Inputs: loss [rows,1], tau (one element), optionally weight [rows,1], all DOUBLE; floating-point argument lambda
// (finite, > 0). Outputs, [rows,1] DOUBLE each: weight times the row's SuperLoss (exactly 0 where weight is 0), sigma
// (NaN where weight is 0), and d superLoss / d loss = weight times sigma (0 where weight is 0). No weight means
// weight 1. A NaN tau stands for the batch's own mean (rowsTau).
class SuperLossRows : public DoubleOp {
 public:
  static constexpr const char* NAME = "superloss_rows";

  SuperLossRows() : DoubleOp(-1, 3, NAME, false, 1, 0) {}

 protected:
  Status validateAndExecute(Context& block) override {
    int inputs = static_cast<int>(block.width());
    checkInputCount(inputs);
    Shape loss(block.array(0)->platformShapeInfo());
    checkRowsInputs(NAME, loss, Shape(block.array(1)->platformShapeInfo()),
                    inputs == 3 ? Shape(block.array(2)->platformShapeInfo()) : loss);
    double lambda = checkedLambda(NAME, block, 0);
    checkRowOutputs(NAME, {getZ(block, 0), getZ(block, 1), getZ(block, 2)}, 0, loss);
    sd::NDArray* weight = inputs == 3 ? block.array(2) : nullptr;
    double tau = rowsTau(scalarValue(block.array(1)), block.array(0), weight);
    writeRows(block.array(0), weight, tau, lambda, getZ(block, 0), getZ(block, 1), getZ(block, 2));
    return Status::OK;
  }

 public:
  sd::ShapeList* calculateOutputShape(sd::ShapeList* inputShapes, Context& block) override {
    int inputs = inputShapes->size();
    checkInputCount(inputs);
    Shape loss = inputShape(inputShapes, 0);
    checkRowsInputs(NAME, loss, inputShape(inputShapes, 1), inputs == 3 ? inputShape(inputShapes, 2) : loss);
    checkedLambda(NAME, block, 0);
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
};

// ------------------------------------------------------------------------------------------- the threshold update
// Shared by superloss_threshold_update and superloss_training_rows. Inputs 0-3 of both ops, DOUBLE: tau (one
// element), counts (three elements: calls, rowWeight, seenWeight, in that order), loss [rows,1], optionally weight
// [rows,1] (none: weight 1). Integer arguments: policy (0 constant, 1 EMA, 2 global mean), warmupIterations (>= 0);
// floating-point argument 0: momentum (EMA: in (0, 1); ignored by the other policies). Outputs 0 and 1: the new tau
// and the new counts, each of its input's dimensions.
//
// Usable rows have weight != 0 and a finite loss; S = sum of weight * loss over them, B = sum of their weights (in row
// order). B == 0: nothing changes. Otherwise, with m = S / B and warmingUp = calls < warmupIterations:
//   constant:    tau unchanged;
//   EMA:         tau = m if warmingUp, tau is NaN or calls == warmupIterations, else tau - (1 - momentum)(tau - m);
//   global mean: warmingUp: tau = m; else total = rowWeight + B,
//                tau = (rowWeight == 0 ? m : tau + (S - B tau) / total), rowWeight = total;
// then calls += 1 and seenWeight += B. The same rules as the Threshold policies' advance, in the same order.
enum Policy { CONSTANT = 0, EMA = 1, GLOBAL_MEAN = 2 };

struct UpdateArguments {
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

void checkUpdateInputCount(const char* op, int inputs) {
  if (inputs != 3 && inputs != 4) {
    fail(op, "expects 3 or 4 inputs (tau, counts, loss[, weight]), got " + std::to_string(inputs));
  }
}

template <typename ShapeOf>
void checkUpdateInputs(const char* op, int inputs, ShapeOf shapeOf) {
  requireScalar(op, "tau", shapeOf(0));
  Shape counts = shapeOf(1);
  requireDouble(op, "counts", counts);
  if (counts.length() != 3) {
    fail(op, "'counts' (calls, rowWeight, seenWeight) must have 3 elements, got shape " + counts.toString());
  }
  Shape loss = shapeOf(2);
  requireColumn(op, "loss", loss);
  if (inputs == 4) {
    Shape weight = shapeOf(3);
    requireColumn(op, "weight", weight);
    if (!weight.sameDims(loss)) {
      fail(op, "'weight' has shape " + weight.toString() + ", 'loss' " + loss.toString());
    }
  }
}

UpdateArguments checkedUpdateArguments(const char* op, Context& block) {
  int policy = iArg(block, op, "policy", 0);
  int warmup = iArg(block, op, "warmupIterations", 1);
  double momentum = tArg(block, op, "momentum", 0);
  if (policy < CONSTANT || policy > GLOBAL_MEAN) {
    fail(op, "'policy' must be 0 (constant), 1 (EMA) or 2 (global mean), got " + std::to_string(policy));
  }
  if (warmup < 0) {
    fail(op, "'warmupIterations' must be >= 0, got " + std::to_string(warmup));
  }
  if (policy == EMA && !(momentum > 0.0 && momentum < 1.0)) {
    fail(op, "'momentum' must be in (0, 1) for the EMA policy, got " + std::to_string(momentum));
  }
  return UpdateArguments{static_cast<Policy>(policy), static_cast<double>(warmup), momentum};
}

// The new state's outputs: DOUBLE, as many elements as inputs 0 and 1 (tau and counts).
void checkUpdateOutputs(const char* op, Context& block, sd::NDArray* tauOut, sd::NDArray* countsOut) {
  sd::NDArray* outputs[2] = {tauOut, countsOut};
  for (int i = 0; i < 2; i++) {
    Shape in(block.array(i)->platformShapeInfo());
    Shape out(outputs[i]->platformShapeInfo());
    requireDouble(op, "output", out);
    if (out.length() != in.length()) {
      fail(op, "output " + std::to_string(i) + " has shape " + out.toString() + ", expected " + in.toString());
    }
  }
}

// Applies the rules to the state in inputs 0 and 1 and the batch in inputs 2 (and 3), writes the new state to tauOut
// and countsOut and returns the new tau.
double advanceState(Context& block, int inputs, const UpdateArguments& args, sd::NDArray* tauOut,
                    sd::NDArray* countsOut) {
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
  *static_cast<double*>(tauOut->platformBuffer()) = tau;
  Vector next(countsOut);
  next[0] = calls;
  next[1] = rowWeight;
  next[2] = seenWeight;
  return tau;
}

// The inputs, their number and the arguments of an update about to execute, checked; returns the number of inputs.
int checkedUpdateCall(const char* op, Context& block, UpdateArguments* args) {
  int inputs = static_cast<int>(block.width());
  checkUpdateInputCount(op, inputs);
  checkUpdateInputs(op, inputs, [&](int i) { return Shape(block.array(i)->platformShapeInfo()); });
  *args = checkedUpdateArguments(op, block);
  return inputs;
}

// The update's input shapes and arguments, checked; then the shapes of the new state (outputs 0 and 1), first in a new
// list.
sd::ShapeList* checkedStateOutputShapes(const char* op, sd::ShapeList* inputShapes, Context& block) {
  int inputs = inputShapes->size();
  checkUpdateInputCount(op, inputs);
  checkUpdateInputs(op, inputs, [&](int i) { return inputShape(inputShapes, i); });
  checkedUpdateArguments(op, block);
  sd::ShapeList* list = new sd::ShapeList(outputLike(inputShape(inputShapes, 0), sd::DOUBLE));
  list->push_back(outputLike(inputShape(inputShapes, 1), sd::DOUBLE));
  return list;
}

// --------------------------------------------------------------------------------------- superloss_threshold_update
// One training call's threshold update (see "the threshold update" above for the inputs, arguments, outputs and
// rules).
class ThresholdUpdate : public DoubleOp {
 public:
  static constexpr const char* NAME = "superloss_threshold_update";

  ThresholdUpdate() : DoubleOp(-1, 2, NAME, false, 1, 2) {}

 protected:
  Status validateAndExecute(Context& block) override {
    UpdateArguments args;
    int inputs = checkedUpdateCall(NAME, block, &args);
    checkUpdateOutputs(NAME, block, getZ(block, 0), getZ(block, 1));
    advanceState(block, inputs, args, getZ(block, 0), getZ(block, 1));
    return Status::OK;
  }

 public:
  sd::ShapeList* calculateOutputShape(sd::ShapeList* inputShapes, Context& block) override {
    return checkedStateOutputShapes(NAME, inputShapes, block);
  }
};

// ------------------------------------------------------------------------------------------ superloss_training_rows
// A training call without gradients in one op: superloss_threshold_update, then superloss_rows at the new threshold
// without the slope. Inputs, integer arguments and floating-point argument 0 (momentum) are the update's;
// floating-point argument 1: lambda. Outputs: 0 and 1, the new tau and counts; 2 and 3, the rows' weighted SuperLoss
// and sigma ([rows,1] each). Exactly the outputs of the two ops in sequence.
class TrainingRows : public DoubleOp {
 public:
  static constexpr const char* NAME = "superloss_training_rows";

  TrainingRows() : DoubleOp(-1, 4, NAME, false, 2, 2) {}

 protected:
  Status validateAndExecute(Context& block) override {
    UpdateArguments args;
    int inputs = checkedUpdateCall(NAME, block, &args);
    double lambda = checkedLambda(NAME, block, 1);
    checkUpdateOutputs(NAME, block, getZ(block, 0), getZ(block, 1));
    checkRowOutputs(NAME, {getZ(block, 2), getZ(block, 3)}, 2, Shape(block.array(2)->platformShapeInfo()));
    sd::NDArray* weight = inputs == 4 ? block.array(3) : nullptr;
    double tau = rowsTau(advanceState(block, inputs, args, getZ(block, 0), getZ(block, 1)), block.array(2), weight);
    writeRows(block.array(2), weight, tau, lambda, getZ(block, 2), getZ(block, 3), nullptr);
    return Status::OK;
  }

 public:
  sd::ShapeList* calculateOutputShape(sd::ShapeList* inputShapes, Context& block) override {
    checkedLambda(NAME, block, 1);
    sd::ShapeList* list = checkedStateOutputShapes(NAME, inputShapes, block);
    const LongType* rows = outputLike(inputShape(inputShapes, 2), sd::DOUBLE);
    list->push_back(rows);
    list->push_back(rows);
    return list;
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
// the order superloss_lambertw0, superloss_rows, superloss_threshold_update, superloss_training_rows; on failure
// throws IllegalStateException.
extern "C" JNIEXPORT jlongArray JNICALL Java_io_superloss_NativeOps_registerOps(JNIEnv* env, jclass) {
  try {
    jlong hashes[4] = {
        static_cast<jlong>(superloss::registered<superloss::LambertW0>()->getOpHash()),
        static_cast<jlong>(superloss::registered<superloss::SuperLossRows>()->getOpHash()),
        static_cast<jlong>(superloss::registered<superloss::ThresholdUpdate>()->getOpHash()),
        static_cast<jlong>(superloss::registered<superloss::TrainingRows>()->getOpHash()),
    };
    jlongArray result = env->NewLongArray(4);
    if (result != nullptr) {
      env->SetLongArrayRegion(result, 0, 4, hashes);
    }
    return result;
  } catch (const std::exception& e) {
    env->ThrowNew(env->FindClass("java/lang/IllegalStateException"), e.what());
  } catch (...) {
    env->ThrowNew(env->FindClass("java/lang/IllegalStateException"), "unknown C++ exception");
  }
  return nullptr;
}
