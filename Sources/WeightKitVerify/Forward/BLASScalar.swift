import COpenBLAS

/// The element types the pass's matrix products run in: float32 maps multiplied in float32 (`sgemm`), or
/// widened and multiplied in float64 (`dgemm`).
protocol BLASScalar: BinaryFloatingPoint {
    init(_ value: Float)

    /// C[m×n] = A[m×k] · B[k×n] + beta C, row-major.
    static func gemm(
        _ blas: BLAS, m: Int, n: Int, k: Int, _ a: UnsafePointer<Self>, lda: Int, _ b: UnsafePointer<Self>, ldb: Int,
        beta: Self, _ c: UnsafeMutablePointer<Self>, ldc: Int)

    /// y = A[m×n] · x + beta y, row-major.
    static func gemv(
        _ blas: BLAS, m: Int, n: Int, _ a: UnsafePointer<Self>, _ x: UnsafePointer<Self>, beta: Self,
        _ y: UnsafeMutablePointer<Self>)
}

extension Float: BLASScalar {
    static func gemm(
        _ blas: BLAS, m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
        beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        blas.sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb),
                   beta, c, Int32(ldc))
    }

    static func gemv(
        _ blas: BLAS, m: Int, n: Int, _ a: UnsafePointer<Float>, _ x: UnsafePointer<Float>, beta: Float,
        _ y: UnsafeMutablePointer<Float>
    ) {
        blas.sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(n), 1, a, Int32(n), x, 1, beta, y, 1)
    }
}

extension Double: BLASScalar {
    static func gemm(
        _ blas: BLAS, m: Int, n: Int, k: Int, _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
        beta: Double, _ c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        blas.dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb),
                   beta, c, Int32(ldc))
    }

    static func gemv(
        _ blas: BLAS, m: Int, n: Int, _ a: UnsafePointer<Double>, _ x: UnsafePointer<Double>, beta: Double,
        _ y: UnsafeMutablePointer<Double>
    ) {
        blas.dgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(n), 1, a, Int32(n), x, 1, beta, y, 1)
    }
}
