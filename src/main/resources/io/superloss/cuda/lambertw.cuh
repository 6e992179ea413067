// Lambert W0 and the SuperLoss row, as __host__ __device__ C++: the CUDA port of the Java kernels
// (io.superloss.LambertWKernel and io.superloss.SuperLossKernel), with the same regimes, constants, tables and order
// of operations, so that the host build, the device build and Java agree to the bit except where the library
// logarithm differs (it only feeds an initial guess). LambertWKernel's Javadoc explains the algorithm and its error
// budget; the comments here only mark the correspondence.
//
// Compiled by NVRTC (at run time, NvrtcCudaKernels), by nvcc, and as plain C++ by g++ (the host-math check). The
// algorithm places every fused multiply-add explicitly (fma); compilers must not contract other products into FMAs
// (nvcc/NVRTC: --fmad=false; g++: -ffp-contract=off), or the rounding of the final step changes.
#pragma once

#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
#define SL_HD __host__ __device__ __forceinline__
#define SL_DEVICE_TABLE __device__
#else
#define SL_HD inline
#endif
#if !defined(__CUDACC_RTC__)
#include <cmath>
#include <cstring>
#endif

#if defined(__CUDACC_RTC__)
typedef long long sl_int64;
typedef unsigned long long sl_uint64;
#else
#include <stdint.h>
typedef int64_t sl_int64;
typedef uint64_t sl_uint64;
#endif

// Accuracy of the kernels against W0 to high precision, in ulp: the thresholds LambertW's own accuracy tests assert
// (the measured error is below 0.55 ulp in double; float is the double result rounded once). Checked on the shipped
// reference points by the host-math check (scripts/cuda-cpu-check.sh) and by the GPU check.
#define SL_W0_F64_MAX_ULP 1.0
#define SL_W0_F32_MAX_ULP 1.0

// The float nearest -1/e, which lies below -1/e; W0 of it is -1 by convention (LambertW).
#define SL_W0_F32_BRANCH_POINT (-0x1.78b564p-2f)

// ------------------------------------------------------------------------------------ constants (LambertWKernel)
#define SL_INV_E_HI 0x1.78b56362cef38p-2
#define SL_INV_E_LO (-0x1.ca8a4270fadf5p-57)
#define SL_INV_E_FLOAT 0x1.78b564p-2f
#define SL_TWO_E 0x1.5bf0a8b145769p+2
#define SL_TINY 0x1p-26
#define SL_P_BRANCH 0x1p-4
#define SL_LARGE_Z 18.0
#define SL_MU2 (-0.3333333333333333)
#define SL_MU3 0.1527777777777778
#define SL_MU4 (-0.07962962962962963)
#define SL_MU5 0.044502314814814814
#define SL_MU6 (-0.02598471487360376)
#define SL_MU7 0.01563563253233392
#define SL_MU8 (-0.009616892024299432)
#define SL_MU9 0.006014543252956118
#define SL_MU10 (-0.0038112980348919993)
#define SL_MU11 0.0024408779911439826
#define SL_MU12 (-0.0015769303446867841)
#define SL_INV_LN2_64 0x1.71547652b82fep+6
#define SL_LN2_64_HI 0x1.62e42fefa0000p-7
#define SL_LN2_64_LO 0x1.cf79abc9e3b3ap-46
#define SL_INV2 0.5
#define SL_INV6 (1.0 / 6)
#define SL_INV24 (1.0 / 24)
#define SL_INV120 (1.0 / 120)
#define SL_INV720 (1.0 / 720)
// e and -2/e as in SuperLossKernel (Math.E and CLAMP_BETA).
#define SL_E 2.718281828459045
#define SL_CLAMP_BETA (-0.7357588823428847)

// --------------------------------------------------------------------------------------- tables (LambertWKernel)
// Each table exists twice: in device memory for kernels (global memory, read through the L1 cache: the indices differ
// between threads, which constant memory would serialise) and in host memory for host code.
#define SL_EXP2_TABLE_VALUES {                                                                                       \
    0x1.0000000000000p+0, 0.0,                                                                                       \
    0x1.02c9a3e778061p+0, -0x1.19083535b085dp-56,                                                                    \
    0x1.059b0d3158574p+0, 0x1.d73e2a475b465p-55,                                                                     \
    0x1.0874518759bc8p+0, 0x1.186be4bb284ffp-57,                                                                     \
    0x1.0b5586cf9890fp+0, 0x1.8a62e4adc610bp-54,                                                                     \
    0x1.0e3ec32d3d1a2p+0, 0x1.03a1727c57b53p-59,                                                                     \
    0x1.11301d0125b51p+0, -0x1.6c51039449b3ap-54,                                                                    \
    0x1.1429aaea92de0p+0, -0x1.32fbf9af1369ep-54,                                                                    \
    0x1.172b83c7d517bp+0, -0x1.19041b9d78a76p-55,                                                                    \
    0x1.1a35beb6fcb75p+0, 0x1.e5b4c7b4968e4p-55,                                                                     \
    0x1.1d4873168b9aap+0, 0x1.e016e00a2643cp-54,                                                                     \
    0x1.2063b88628cd6p+0, 0x1.dc775814a8495p-55,                                                                     \
    0x1.2387a6e756238p+0, 0x1.9b07eb6c70573p-54,                                                                     \
    0x1.26b4565e27cddp+0, 0x1.2bd339940e9d9p-55,                                                                     \
    0x1.29e9df51fdee1p+0, 0x1.612e8afad1255p-55,                                                                     \
    0x1.2d285a6e4030bp+0, 0x1.0024754db41d5p-54,                                                                     \
    0x1.306fe0a31b715p+0, 0x1.6f46ad23182e4p-55,                                                                     \
    0x1.33c08b26416ffp+0, 0x1.32721843659a6p-54,                                                                     \
    0x1.371a7373aa9cbp+0, -0x1.63aeabf42eae2p-54,                                                                    \
    0x1.3a7db34e59ff7p+0, -0x1.5e436d661f5e3p-56,                                                                    \
    0x1.3dea64c123422p+0, 0x1.ada0911f09ebcp-55,                                                                     \
    0x1.4160a21f72e2ap+0, -0x1.ef3691c309278p-58,                                                                    \
    0x1.44e086061892dp+0, 0x1.89b7a04ef80d0p-59,                                                                     \
    0x1.486a2b5c13cd0p+0, 0x1.3c1a3b69062f0p-56,                                                                     \
    0x1.4bfdad5362a27p+0, 0x1.d4397afec42e2p-56,                                                                     \
    0x1.4f9b2769d2ca7p+0, -0x1.4b309d25957e3p-54,                                                                    \
    0x1.5342b569d4f82p+0, -0x1.07abe1db13cadp-55,                                                                    \
    0x1.56f4736b527dap+0, 0x1.9bb2c011d93adp-54,                                                                     \
    0x1.5ab07dd485429p+0, 0x1.6324c054647adp-54,                                                                     \
    0x1.5e76f15ad2148p+0, 0x1.ba6f93080e65ep-54,                                                                     \
    0x1.6247eb03a5585p+0, -0x1.383c17e40b497p-54,                                                                    \
    0x1.6623882552225p+0, -0x1.bb60987591c34p-54,                                                                    \
    0x1.6a09e667f3bcdp+0, -0x1.bdd3413b26456p-54,                                                                    \
    0x1.6dfb23c651a2fp+0, -0x1.bbe3a683c88abp-57,                                                                    \
    0x1.71f75e8ec5f74p+0, -0x1.16e4786887a99p-55,                                                                    \
    0x1.75feb564267c9p+0, -0x1.0245957316dd3p-54,                                                                    \
    0x1.7a11473eb0187p+0, -0x1.41577ee04992fp-55,                                                                    \
    0x1.7e2f336cf4e62p+0, 0x1.05d02ba15797ep-56,                                                                     \
    0x1.82589994cce13p+0, -0x1.d4c1dd41532d8p-54,                                                                    \
    0x1.868d99b4492edp+0, -0x1.fc6f89bd4f6bap-54,                                                                    \
    0x1.8ace5422aa0dbp+0, 0x1.6e9f156864b27p-54,                                                                     \
    0x1.8f1ae99157736p+0, 0x1.5cc13a2e3976cp-55,                                                                     \
    0x1.93737b0cdc5e5p+0, -0x1.75fc781b57ebcp-57,                                                                    \
    0x1.97d829fde4e50p+0, -0x1.d185b7c1b85d1p-54,                                                                    \
    0x1.9c49182a3f090p+0, 0x1.c7c46b071f2bep-56,                                                                     \
    0x1.a0c667b5de565p+0, -0x1.359495d1cd533p-54,                                                                    \
    0x1.a5503b23e255dp+0, -0x1.d2f6edb8d41e1p-54,                                                                    \
    0x1.a9e6b5579fdbfp+0, 0x1.0fac90ef7fd31p-54,                                                                     \
    0x1.ae89f995ad3adp+0, 0x1.7a1cd345dcc81p-54,                                                                     \
    0x1.b33a2b84f15fbp+0, -0x1.2805e3084d708p-57,                                                                    \
    0x1.b7f76f2fb5e47p+0, -0x1.5584f7e54ac3bp-56,                                                                    \
    0x1.bcc1e904bc1d2p+0, 0x1.23dd07a2d9e84p-55,                                                                     \
    0x1.c199bdd85529cp+0, 0x1.11065895048ddp-55,                                                                     \
    0x1.c67f12e57d14bp+0, 0x1.2884dff483cadp-54,                                                                     \
    0x1.cb720dcef9069p+0, 0x1.503cbd1e949dbp-56,                                                                     \
    0x1.d072d4a07897cp+0, -0x1.cbc3743797a9cp-54,                                                                    \
    0x1.d5818dcfba487p+0, 0x1.2ed02d75b3707p-55,                                                                     \
    0x1.da9e603db3285p+0, 0x1.c2300696db532p-54,                                                                     \
    0x1.dfc97337b9b5fp+0, -0x1.1a5cd4f184b5cp-54,                                                                    \
    0x1.e502ee78b3ff6p+0, 0x1.39e8980a9cc8fp-55,                                                                     \
    0x1.ea4afa2a490dap+0, -0x1.e9c23179c2893p-54,                                                                    \
    0x1.efa1bee615a27p+0, 0x1.dc7f486a4b6b0p-54,                                                                     \
    0x1.f50765b6e4540p+0, 0x1.9d3e12dd8a18bp-54,                                                                     \
    0x1.fa7c1819e90d8p+0, 0x1.74853f3a5931ep-55,                                                                     \
}
#define SL_MID_VALUES {                                                                                              \
    0x1.1418a4135a19ap+1, -0x1.d9a3814fcbf3cp-2, 0x1.51444a5acb07cp-4, -0x1.c2b03e4f6fdd2p-7, 0x1.23bdefb2fecacp-9, -0x1.7355f9ef91ddcp-12, 0x1.eb04df24448d6p-15, -0x1.3258639fa0c49p-17, \
    0x1.7a7031ceb8b8dp+0, -0x1.face0ed4bfb85p-3, 0x1.180c5c73fd9f4p-5, -0x1.2191e363c6962p-8, 0x1.21c30482a39f8p-11, -0x1.1c9f1a4872713p-14, 0x1.1c5f849a739fbp-17, -0x1.11909f950150cp-20, \
    0x1.1782d31965022p+0, -0x1.33b632fbdfcffp-3, 0x1.16487a27cd8ddp-6, -0x1.d5e03c8a297c7p-10, 0x1.7f7650a15ae7fp-13, -0x1.32e22848ed0dcp-16, 0x1.ee692d1d949edp-20, -0x1.832ce809e0bdfp-23, \
    0x1.b1db8e34ced08p-1, -0x1.961c9947757b9p-4, 0x1.37243c9e5c15bp-7, -0x1.bc40d3cd92eb0p-11, 0x1.3245e40dcdcd0p-14, -0x1.9dd00a97487e5p-18, 0x1.17af95bde2e88p-21, -0x1.717e328f12636p-25, \
    0x1.5cd124eba87e0p-1, -0x1.1c4cd66b1bd1bp-4, 0x1.7a2c6153233d7p-8, -0x1.d406a7e4708d0p-12, 0x1.176e35d9545afp-15, -0x1.46c266502b70ep-19, 0x1.7ccf0c481f62cp-23, -0x1.b31fc5d4dc870p-27, \
    0x1.1ff83b7acf1a8p-1, -0x1.a004813573754p-5, 0x1.e92ebc29e059ep-9, -0x1.0b3c949d0ab14p-12, 0x1.197f0eb609bc5p-16, -0x1.223ae1b968a1ep-20, 0x1.296ed953f338ap-24, -0x1.2b788510a1c6ep-28, \
    0x1.e560a7b0630fap-2, -0x1.3afdc73334295p-5, 0x1.4c08d93b2de3bp-9, -0x1.44d6b92494280p-13, 0x1.322ea256b4148p-17, -0x1.1a594d2e357afp-21, 0x1.024f531693af9p-25, -0x1.d0fd4ef9e7b1cp-30, \
    0x1.9fdef5d9db200p-2, -0x1.ea3db9655f773p-6, 0x1.d4716b2ed5247p-10, -0x1.9f045d2749413p-14, 0x1.6207b9e04d4a7p-18, -0x1.2758c41ab65d1p-22, 0x1.e82ddf4bd89d3p-27, -0x1.8d4f65d347375p-31, \
    0x1.692d8b19a94f2p-2, -0x1.8623a1e399729p-6, 0x1.5502eec39c18fp-10, -0x1.141d6621ce172p-14, 0x1.ae4c6bc978effp-19, -0x1.47c6ffc8aa5c9p-23, 0x1.ee26047cbbe8bp-28, -0x1.6f0f28d18b816p-32, \
    0x1.3d3f5aa96a158p-2, -0x1.3c53fd9f117d3p-6, 0x1.fdac199928750p-11, -0x1.7c0b3c21ab472p-15, 0x1.10942b9b66b75p-19, -0x1.7e1dc4bbbae9ap-24, 0x1.08cd1212327c7p-28, -0x1.69d7b4bb26acap-33, \
    0x1.1959051f6354fp-2, -0x1.049134165126ep-6, 0x1.8568e835545b3p-11, -0x1.0d2197da22345p-15, 0x1.65a943cf0f5f1p-20, -0x1.d05e818b88ff3p-25, 0x1.29d27eb8aab5ep-29, -0x1.78c7371b7002dp-34, \
    0x1.f727265d17f34p-3, -0x1.b3212fcd63f47p-7, 0x1.2f3a68adc3303p-11, -0x1.869fac3323feap-16, 0x1.e39a6e6a62ccap-21, -0x1.24622d70bcfb5p-25, 0x1.5d11f7f63e91cp-30, -0x1.9b2554519625dp-35, \
    0x1.c5254876bf625p-3, -0x1.6f9d7d2ef7f11p-7, 0x1.e0132a7472a15p-12, -0x1.218ea899e5e14p-16, 0x1.4f8e976a9b068p-21, -0x1.7bb5362136be3p-26, 0x1.a801dc738b86ep-31, -0x1.d334d82286a46p-36, \
    0x1.9aae40f83795fp-3, -0x1.39ca57ed02d07p-7, 0x1.818aeab1ec483p-12, -0x1.b551679d407f3p-17, 0x1.dc5f09bd824c5p-22, -0x1.fa92887dfd911p-27, 0x1.09ad3dd36393cp-31, -0x1.1306a1d9f0977p-36, \
    0x1.7644def31ee57p-3, -0x1.0e4b030165097p-7, 0x1.3995c1198e129p-12, -0x1.4fb0898de92c0p-17, 0x1.58fc628f0a1f3p-22, -0x1.5a081d8eb0853p-27, 0x1.5638a36451416p-32, -0x1.4e0f9768ac346p-37, \
    0x1.56c73d3fc2c0dp-3, -0x1.d56ecfe6edaebp-8, 0x1.01f4bc0a39c69p-12, -0x1.05744ab935b1fp-17, 0x1.fca7be6a7b885p-23, -0x1.e2d0ffb3d0940p-28, 0x1.c3b7e17239d18p-33, -0x1.a12c9d38fa820p-38, \
    0x1.3b556b5534510p-3, -0x1.9a9c00563591bp-8, 0x1.acb47956a4629p-13, -0x1.9c9b35d5bf3d4p-18, 0x1.7d027fdc836a5p-23, -0x1.57405131d376bp-28, 0x1.30b4ffc9cb335p-33, -0x1.0b0516b639d7ap-38, \
    0x1.233ffec4c8235p-3, -0x1.69824b2f2ee36p-8, 0x1.677f73fbd98fbp-13, -0x1.496849d60a71dp-18, 0x1.2184ad74f06f1p-23, -0x1.f06a1821cf7bap-29, 0x1.a33c4a37d18a2p-34, -0x1.5d8702c8be646p-39, \
    0x1.0dfbd5c99137dp-3, -0x1.402ac369cdc50p-8, 0x1.2ff54f0e65190p-13, -0x1.09c98aeace337p-18, 0x1.bdbce494c4719p-24, -0x1.6c83c74c8a33ep-29, 0x1.259312ce3d8fep-34, -0x1.d2d88f2d6b8e0p-40, \
    0x1.f632ac9eb151fp-4, -0x1.1d1519de199bap-8, 0x1.02eeda3b56fe6p-13, -0x1.b110034409277p-19, 0x1.5b321ca5390c1p-24, -0x1.0f6c559834368p-29, 0x1.a1d95050cf6efp-35, -0x1.3d88e2a0f3a3cp-40, \
}
#define SL_LARGE_VALUES {                                                                                            \
    0x1.1a9dc76cbfbf0p+1, 0x1.6065617e468e2p-1, 0x1.11f2a5aa95323p-5, -0x1.e4f8e039923e7p-9, 0x1.5b8ae3357cf06p-12, -0x1.8e18035601b0fp-17, -0x1.0f3c35f8be1bep-18, 0x1.38d3288891f51p-20, \
    0x1.1fc958884b454p+2, 0x1.a2da43adb16e0p+0, 0x1.bb9f140cb5a9ep-5, -0x1.38f944e81ddb2p-7, 0x1.bfa4899a7ced4p-10, -0x1.304d3a1fbd848p-12, 0x1.6c21877319590p-15, -0x1.27ae5bd3881abp-18, \
    0x1.37356db70bbebp+3, 0x1.d043252cb17c5p+1, 0x1.02500731a4816p-4, -0x1.b9f1d09ffc141p-7, 0x1.96e61899e67c0p-9, -0x1.83b728685ad16p-11, 0x1.a247b41dd9394p-13, -0x1.8c88e28a1086bp-15, \
    0x1.4f51eec157223p+4, 0x1.e8aea6df10b47p+2, 0x1.03807184bbf5cp-4, -0x1.d5d02f011acf5p-7, 0x1.d28f41becbc4fp-9, -0x1.eb37cd3560835p-11, 0x1.3aeb5c9ec4aa0p-12, -0x1.5c722fa063c88p-14, \
    0x1.61b02e2dcfb43p+5, 0x1.f4ace27b330a6p+3, 0x1.f5b37a489539ap-5, -0x1.c9c5e3dbd34c7p-7, 0x1.cdd7617af40a9p-9, -0x1.f248d394cec35p-11, 0x1.4f26f29e92658p-12, -0x1.82218a1105625p-14, \
    0x1.6def731726f70p+6, 0x1.fa76c20e30440p+4, 0x1.e52081e85a04ep-5, -0x1.b85fe64d02796p-7, 0x1.bbb1440cfece8p-9, -0x1.dfa9ebcb22c02p-11, 0x1.455b6e0d6b393p-12, -0x1.79e01e88845cdp-14, \
    0x1.758a4d54aecdap+7, 0x1.fd45f480f3d73p+5, 0x1.d95d4d550fca0p-5, -0x1.aad3530d52872p-7, 0x1.ac01fddf77c4bp-9, -0x1.cd2509294ebf3p-11, 0x1.380fbcddbcb9bp-12, -0x1.6a22e466abb11p-14, \
    0x1.7a109f81208cep+8, 0x1.fea6390f43c49p+6, 0x1.d1db4841cdf4cp-5, -0x1.a1d748719bb0ep-7, 0x1.a13852002ed85p-9, -0x1.bfddfa9acc210p-11, 0x1.2dd6a9911f891p-12, -0x1.5d62e11ef9c78p-14, \
    0x1.7caeb49ebb2c6p+9, 0x1.ff5412655171fp+7, 0x1.cd4e97bb3dd92p-5, -0x1.9c48960e63010p-7, 0x1.9a6cfe6ea2317p-9, -0x1.b75898788fc20p-11, 0x1.2716aebf25c49p-12, -0x1.54cdc5bce24a4p-14, \
}

#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
SL_DEVICE_TABLE const double sl_exp2_table_device[128] = SL_EXP2_TABLE_VALUES;
SL_DEVICE_TABLE const double sl_mid_device[160] = SL_MID_VALUES;
SL_DEVICE_TABLE const double sl_large_device[72] = SL_LARGE_VALUES;
#endif
#if !defined(__CUDACC_RTC__)
static const double sl_exp2_table_host[128] = SL_EXP2_TABLE_VALUES;
static const double sl_mid_host[160] = SL_MID_VALUES;
static const double sl_large_host[72] = SL_LARGE_VALUES;
#endif

#if defined(__CUDA_ARCH__)
#define SL_TABLE(name) sl_##name##_device
#else
#define SL_TABLE(name) sl_##name##_host
#endif

// ----------------------------------------------------------------------------------------------- bit operations
SL_HD sl_int64 sl_double_bits(double x) {
#if defined(__CUDA_ARCH__)
    return __double_as_longlong(x);
#else
    sl_int64 b;
    memcpy(&b, &x, sizeof b);
    return b;
#endif
}

SL_HD double sl_bits_double(sl_int64 b) {
#if defined(__CUDA_ARCH__)
    return __longlong_as_double(b);
#else
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
#endif
}

SL_HD double sl_nan() {
    return sl_bits_double(0x7ff8000000000000LL);
}

SL_HD float sl_nanf() {
    return (float)sl_nan();
}

// ------------------------------------------------------------------------------------------------------- regimes
// LambertWKernel.branchSeries: W = -1 + p + mu_2 p^2 + ... + mu_12 p^12, 0 <= p < 1/16.
SL_HD double sl_branch_series(double p) {
    double s = SL_MU12;
    s = fma(s, p, SL_MU11);
    s = fma(s, p, SL_MU10);
    s = fma(s, p, SL_MU9);
    s = fma(s, p, SL_MU8);
    s = fma(s, p, SL_MU7);
    s = fma(s, p, SL_MU6);
    s = fma(s, p, SL_MU5);
    s = fma(s, p, SL_MU4);
    s = fma(s, p, SL_MU3);
    s = fma(s, p, SL_MU2);
    s = fma(s, p, 1.0);
    return fma(s, p, -1.0);
}

// LambertWKernel.midFactor: R(p) ~ W0(z)/z, 1/16 <= p < 10, piece k = floor(2p), t = 4p - (2k + 1).
SL_HD double sl_mid_factor(double p) {
    const double* mid = SL_TABLE(mid);
    int k = (int)(2.0 * p);
    double t = 4.0 * p - (2 * k + 1);
    int i = 8 * k;
    double r = mid[i + 7];
    r = fma(r, t, mid[i + 6]);
    r = fma(r, t, mid[i + 5]);
    r = fma(r, t, mid[i + 4]);
    r = fma(r, t, mid[i + 3]);
    r = fma(r, t, mid[i + 2]);
    r = fma(r, t, mid[i + 1]);
    return fma(r, t, mid[i]);
}

// LambertWKernel.largeGuess: W as a polynomial of L = log z on the binade of L, 18 <= z < +Inf.
SL_HD double sl_large_guess(double z) {
    const double* large = SL_TABLE(large);
    double l = log(z);
    sl_int64 bits = sl_double_bits(l);
    int i = 8 * ((int)((sl_uint64)bits >> 52) - 1024);
    double t = 2.0 * sl_bits_double((bits & 0x000FFFFFFFFFFFFFLL) | 0x3FF0000000000000LL) - 3.0;
    double r = large[i + 7];
    r = fma(r, t, large[i + 6]);
    r = fma(r, t, large[i + 5]);
    r = fma(r, t, large[i + 4]);
    r = fma(r, t, large[i + 3]);
    r = fma(r, t, large[i + 2]);
    r = fma(r, t, large[i + 1]);
    return fma(r, t, large[i]);
}

// LambertWKernel.refine: one third-order step on g(w) = w - z e^{-w}, with e^{-w} from a double-double table
// exponential and z e^{-w} as an exact product plus a small part.
SL_HD double sl_refine(double z, double w) {
    const double* exp2Table = SL_TABLE(exp2_table);
    double x = -w;
    double nd = rint(x * SL_INV_LN2_64);
    int n = (int)nd;
    double rHi = x - nd * SL_LN2_64_HI;
    double rLo = -nd * SL_LN2_64_LO;
    double r = rHi + rLo;
    double s = fma(r, SL_INV720, SL_INV120);
    s = fma(s, r, SL_INV24);
    s = fma(s, r, SL_INV6);
    s = fma(s, r, SL_INV2);
    double smallPart = fma(r * r, s, rLo);
    int j = 2 * (n & 63);
    double tHi = exp2Table[j];
    double eLo = fma(tHi, rHi, fma(tHi, smallPart, exp2Table[j + 1]));
    double zs = z * sl_bits_double((sl_int64)((n >> 6) + 1023) << 52);
    double a = zs * tHi;
    double aLo = fma(zs, tHi, -a);
    double b = fma(zs, eLo, aLo);
    double g = (w - a) - b;
    double y = a + b;
    double inv = 1.0 / (1.0 + y);
    double c = g * inv;
    return w - c * fma(-0.5 * c, y * inv, 1.0);
}

// ------------------------------------------------------------------------------------------------------- W0
// LambertWKernel.w0(double): W0(z) for every double; -1 at the double nearest -1/e, NaN below it and for NaN.
SL_HD double sl_w0_f64(double z) {
    if (z >= SL_LARGE_Z) {
        return z < sl_bits_double(0x7ff0000000000000LL) ? sl_refine(z, sl_large_guess(z)) : z;
    }
    if (z > -SL_INV_E_HI) {
        if (fabs(z) < SL_TINY) {
            return fma(z, z * fma(1.5, z, -1.0), z);
        }
        double q = (z + SL_INV_E_HI) + SL_INV_E_LO;
        double p = sqrt(SL_TWO_E * q);
        if (p < SL_P_BRANCH) {
            return sl_branch_series(p);
        }
        return sl_refine(z, z * sl_mid_factor(p));
    }
    return z == -SL_INV_E_HI ? -1.0 : sl_nan();
}

// LambertWKernel.w0(float): evaluated in double and rounded once; -1 at the float nearest -1/e, NaN below it.
SL_HD float sl_w0_f32(float z) {
    if (z > -SL_INV_E_FLOAT) {
        return (float)sl_w0_f64((double)z);
    }
    return z == -SL_INV_E_FLOAT ? -1.0f : sl_nanf();
}

// ------------------------------------------------------------------------------------------------- SuperLoss row
// SuperLossKernel.forward for one row: weight times the row's SuperLoss, and sigma (NaN for a masked row, weight 0).
SL_HD void sl_superloss_row(double loss, double weight, double tau, double lambda, double* superLoss, double* sigma) {
    if (weight == 0.0) {
        *superLoss = 0.0;
        *sigma = sl_nan();
        return;
    }
    double diff = loss - tau;
    double beta = diff / lambda;
    double rowLoss;
    double rowSigma;
    if (beta < SL_CLAMP_BETA) {
        rowSigma = SL_E;
        rowLoss = SL_E * diff + lambda;
    } else {
        double w = sl_w0_f64(0.5 * beta);
        rowSigma = exp(-w);
        rowLoss = lambda * w * (w + 2.0);
    }
    *superLoss = weight * rowLoss;
    *sigma = rowSigma;
}
