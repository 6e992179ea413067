package io.superloss;

import org.bytedeco.cuda.cudart.CUctx_st;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.PointerScope;
import org.nd4j.jita.allocator.impl.AtomicAllocator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.jcublas.context.CudaContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import static org.bytedeco.cuda.global.cudart.CUDA_SUCCESS;
import static org.bytedeco.cuda.global.cudart.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static org.bytedeco.cuda.global.cudart.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
import static org.bytedeco.cuda.global.cudart.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT;
import static org.bytedeco.cuda.global.cudart.cuCtxSetCurrent;
import static org.bytedeco.cuda.global.cudart.cuDeviceGet;
import static org.bytedeco.cuda.global.cudart.cuDeviceGetAttribute;
import static org.bytedeco.cuda.global.cudart.cuDevicePrimaryCtxRetain;
import static org.bytedeco.cuda.global.cudart.cuGetErrorString;
import static org.bytedeco.cuda.global.cudart.cuInit;
import static org.bytedeco.cuda.global.cudart.cuLaunchKernel;
import static org.bytedeco.cuda.global.cudart.cuModuleGetFunction;
import static org.bytedeco.cuda.global.cudart.cuModuleLoadData;

/**
 * {@link CudaKernels} on ND4J's CUDA backend: the CUDA C source shipped in {@code io/superloss/cuda/} is compiled once
 * per device with NVRTC (the CUDA 11.6 runtime compiler that nd4j-cuda-11.6 runs with), for the device's own
 * architecture when NVRTC knows it (a cubin) and otherwise as PTX for the newest architecture NVRTC knows, which the
 * driver compiles for the device. Kernels run on the calling thread's ND4J stream, on ND4J's device buffers, and the
 * outputs are then marked as written on the device, so no array makes a trip to the host.
 *
 * <p>Loaded by reflection ({@link CudaKernels#forCurrentBackend()}) and compiled only by the Maven profile
 * {@code cuda}.
 */
final class NvrtcCudaKernels implements CudaKernels {
    private static final Logger log = LoggerFactory.getLogger(NvrtcCudaKernels.class);
    /** Threads per block; the fused kernel gives each row one warp, so a block holds 8 rows. */
    private static final int BLOCK = 256;
    private static final int WARP = 32;
    /** Blocks per multiprocessor for the grid-stride loops: enough to hide memory latency, few enough to be cheap. */
    private static final int BLOCKS_PER_SM = 8;

    private final String source;
    private final String header;
    private final ConcurrentMap<Integer, DeviceModule> modules = new ConcurrentHashMap<>();

    NvrtcCudaKernels() {
        source = NvrtcProgram.resource(NvrtcProgram.SOURCE);
        header = NvrtcProgram.resource(NvrtcProgram.HEADER);
        check(cuInit(0), "cuInit");
    }

    @Override
    public INDArray w0(INDArray z) {
        DataType type = z.dataType();
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            return null;
        }
        // The kernel walks the buffer linearly, so the input must own it with default strides; the output then gets
        // the same layout.
        INDArray in = z.isView() || !Shape.hasDefaultStridesForShape(z) ? z.dup(z.ordering()) : z;
        INDArray out = Nd4j.createUninitialized(type, in.shape(), in.ordering());
        long n = in.length();
        if (n == 0) {
            return out;
        }
        Nd4j.getExecutioner().push();
        AtomicAllocator allocator = AtomicAllocator.getInstance();
        CudaContext context = allocator.getFlowController().prepareAction(out, in);
        DeviceModule module = module(allocator.getDeviceId());
        try (PointerScope ignored = new PointerScope()) {
            launch(module, type == DataType.FLOAT ? module.w0F32 : module.w0F64, module.grid(n, BLOCK), context,
                    address(allocator.getPointer(in, context)), address(allocator.getPointer(out, context)), n);
        }
        allocator.registerAction(context, out, in);
        return out;
    }

    @Override
    public boolean superLoss(double[] loss, double[] weight, double tau, double lambda, double[] superLoss,
                             double[] sigma, INDArray gradient) {
        DataType type = gradient.dataType();
        if ((type != DataType.FLOAT && type != DataType.DOUBLE) || gradient.rank() != 2 || gradient.isView()
                || !Shape.hasDefaultStridesForShape(gradient)) {
            return false;
        }
        int rows = loss.length;
        if (rows == 0) {
            return true;
        }
        INDArray lossIn = Nd4j.createFromArray(loss);
        INDArray weightIn = Nd4j.createFromArray(weight);
        INDArray superLossOut = Nd4j.createUninitialized(DataType.DOUBLE, rows);
        INDArray sigmaOut = Nd4j.createUninitialized(DataType.DOUBLE, rows);
        long cols = gradient.size(1);
        Nd4j.getExecutioner().push();
        AtomicAllocator allocator = AtomicAllocator.getInstance();
        // The gradient is read and written: as an operand it is made current on the device first.
        CudaContext context = allocator.getFlowController().prepareAction(superLossOut, lossIn, weightIn, sigmaOut,
                gradient);
        DeviceModule module = module(allocator.getDeviceId());
        try (PointerScope ignored = new PointerScope()) {
            launch(module, type == DataType.FLOAT ? module.forwardF32 : module.forwardF64,
                    module.grid((long) rows * WARP, BLOCK), context,
                    address(allocator.getPointer(lossIn, context)), address(allocator.getPointer(weightIn, context)),
                    tau, lambda, (long) rows,
                    address(allocator.getPointer(superLossOut, context)),
                    address(allocator.getPointer(sigmaOut, context)),
                    address(allocator.getPointer(gradient, context)), cols,
                    gradient.stride(0), gradient.stride(1));
        }
        allocator.registerAction(context, superLossOut, lossIn, weightIn);
        allocator.registerAction(context, sigmaOut);
        allocator.registerAction(context, gradient);
        // These two host copies wait for the kernel on ND4J's stream.
        System.arraycopy(superLossOut.toDoubleVector(), 0, superLoss, 0, rows);
        System.arraycopy(sigmaOut.toDoubleVector(), 0, sigma, 0, rows);
        return true;
    }

    private DeviceModule module(int device) {
        return modules.computeIfAbsent(device, d -> new DeviceModule(d, source, header));
    }

    /** The device address held by an ND4J device pointer, as a kernel argument. */
    private static Address address(Pointer devicePointer) {
        return new Address(devicePointer.address());
    }

    /** A device address argument (a {@code T*} parameter). */
    private record Address(long value) {
    }

    /**
     * Launches {@code function} on ND4J's stream of {@code context}. Arguments: {@link Address} for pointers,
     * {@code long} for {@code long long}, {@code double} for {@code double}.
     */
    private static void launch(DeviceModule module, CUfunc_st function, int blocks, CudaContext context,
                               Object... args) {
        List<Pointer> values = new ArrayList<>(args.length);
        for (Object arg : args) {
            if (arg instanceof Address a) {
                values.add(new LongPointer(1).put(a.value()));
            } else if (arg instanceof Long l) {
                values.add(new LongPointer(1).put(l));
            } else if (arg instanceof Double d) {
                values.add(new DoublePointer(1).put(d));
            } else {
                throw new IllegalArgumentException("unsupported kernel argument type: " + arg.getClass());
            }
        }
        PointerPointer<Pointer> params = new PointerPointer<>(values.toArray(new Pointer[0]));
        module.makeCurrent();
        CUstream_st stream = new CUstream_st(context.getCublasStream());
        check(cuLaunchKernel(function, blocks, 1, 1, BLOCK, 1, 1, 0, stream, params, null), "cuLaunchKernel");
    }

    static void check(int result, String call) {
        if (result != CUDA_SUCCESS) {
            PointerPointer<BytePointer> message = new PointerPointer<>(1);
            String text = cuGetErrorString(result, message) == CUDA_SUCCESS && message.get(0) != null
                    ? message.get(BytePointer.class, 0).getString() : "unknown error";
            throw new IllegalStateException(call + " failed: CUDA error " + result + " (" + text + ")");
        }
    }

    /** The kernels compiled and loaded for one device, in that device's primary context (the one ND4J uses). */
    private static final class DeviceModule {
        final CUctx_st context = new CUctx_st();
        final CUmod_st module = new CUmod_st();
        final CUfunc_st w0F32 = new CUfunc_st();
        final CUfunc_st w0F64 = new CUfunc_st();
        final CUfunc_st forwardF32 = new CUfunc_st();
        final CUfunc_st forwardF64 = new CUfunc_st();
        final int multiprocessors;

        DeviceModule(int ordinal, String source, String header) {
            int[] device = new int[1];
            check(cuDeviceGet(device, ordinal), "cuDeviceGet");
            int[] value = new int[1];
            check(cuDeviceGetAttribute(value, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device[0]),
                    "cuDeviceGetAttribute");
            int major = value[0];
            check(cuDeviceGetAttribute(value, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device[0]),
                    "cuDeviceGetAttribute");
            int deviceArch = major * 10 + value[0];
            check(cuDeviceGetAttribute(value, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device[0]),
                    "cuDeviceGetAttribute");
            multiprocessors = value[0];
            check(cuDevicePrimaryCtxRetain(context, device[0]), "cuDevicePrimaryCtxRetain");
            makeCurrent();

            int arch = NvrtcProgram.newestSupported(NvrtcProgram.supportedArchitectures(), deviceArch);
            boolean exact = arch == deviceArch;
            long start = System.nanoTime();
            BytePointer image = NvrtcProgram.compile(source, header, arch, exact);
            check(cuModuleLoadData(module, image), "cuModuleLoadData");
            check(cuModuleGetFunction(w0F32, module, "superloss_w0_f32"), "cuModuleGetFunction");
            check(cuModuleGetFunction(w0F64, module, "superloss_w0_f64"), "cuModuleGetFunction");
            check(cuModuleGetFunction(forwardF32, module, "superloss_forward_f32"), "cuModuleGetFunction");
            check(cuModuleGetFunction(forwardF64, module, "superloss_forward_f64"), "cuModuleGetFunction");
            log.info("superloss-dl4j: CUDA kernels compiled with NVRTC for {} (device {}, compute capability {}.{}) "
                    + "in {} ms", exact ? "sm_" + arch : "compute_" + arch + " PTX", ordinal, major,
                    deviceArch % 10, (System.nanoTime() - start) / 1_000_000);
        }

        /** ND4J drives the device through the runtime API, which uses the primary context; make it current here. */
        void makeCurrent() {
            check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
        }

        /** Blocks for a grid-stride loop over {@code threads} threads. */
        int grid(long threads, int block) {
            long needed = (threads + block - 1) / block;
            return (int) Math.max(1, Math.min(needed, (long) multiprocessors * BLOCKS_PER_SM));
        }
    }
}
