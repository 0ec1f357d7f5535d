package io.accessplan.cuda.device;

/** A CUDA driver or cuBLAS call failed; the message names the call and the error. */
public class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with the failed call and the error's name. */
    public CudaException(String message) {
        super(message);
    }
}
