extension Operations {
    /// C[m×n] = A[m×k] · B[k×n] + beta C (row-major), split over the cores by columns when there are enough
    /// of them, otherwise by rows of A.
    static func product<Scalar: BLASScalar>(
        _ blas: BLAS, m: Int, n: Int, k: Int, _ a: UnsafePointer<Scalar>, lda: Int? = nil, _ b: UnsafePointer<Scalar>,
        ldb: Int, _ c: UnsafeMutablePointer<Scalar>, ldc: Int, beta: Scalar = 0
    ) {
        let lda = lda ?? k
        if n >= ParallelWork.cores * minimumColumnsPerPart {
            ParallelWork.split(n, minimum: minimumColumnsPerPart) { part in
                Scalar.gemm(blas, m: m, n: part.count, k: k, a, lda: lda, b + part.lowerBound, ldb: ldb, beta: beta,
                            c + part.lowerBound, ldc: ldc)
            }
        } else {
            ParallelWork.split(m, minimum: 16) { rows in
                Scalar.gemm(blas, m: rows.count, n: n, k: k, a + rows.lowerBound * lda, lda: lda, b, ldb: ldb, beta: beta,
                            c + rows.lowerBound * ldc, ldc: ldc)
            }
        }
    }
}
