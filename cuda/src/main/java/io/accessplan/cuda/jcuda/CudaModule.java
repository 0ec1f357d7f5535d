package io.accessplan.cuda.jcuda;

import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadDataEx;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

/** A PTX module loaded from a class-path resource with {@code cuModuleLoadDataEx}, as jcuda-vec does. */
public final class CudaModule implements AutoCloseable {
    /** Resource folder of the shipped PTX. */
    public static final String PTX_FOLDER = "/io/accessplan/cuda/ptx/";

    private final CUmodule module = new CUmodule();
    private final String name;
    private boolean loaded;

    /** Loads {@code name.ptx} from the shipped PTX (the driver JIT-compiles it for the device). */
    public CudaModule(String name) {
        this.name = name;
        byte[] ptx = ptx(name);
        byte[] z = new byte[ptx.length + 1];   // NUL-terminated, as the driver expects PTX text
        System.arraycopy(ptx, 0, z, 0, ptx.length);
        Check.cu(cuModuleLoadDataEx(module, Pointer.to(z), 0, new int[0], Pointer.to(new int[0])),
                "cuModuleLoadDataEx(" + name + ".ptx)");
        loaded = true;
    }

    /** The text of a shipped PTX file. */
    public static byte[] ptx(String name) {
        try (InputStream in = CudaModule.class.getResourceAsStream(PTX_FOLDER + name + ".ptx")) {
            if (in == null) {
                throw new IllegalStateException("missing PTX resource " + PTX_FOLDER + name + ".ptx");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read PTX resource " + name, e);
        }
    }

    /** Names of the kernels a shipped PTX file defines ({@code .visible .entry name(}). */
    public static java.util.List<String> entries(String name) {
        String text = new String(ptx(name), StandardCharsets.UTF_8);
        java.util.List<String> out = new java.util.ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\.visible \\.entry (\\w+)\\(").matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** A kernel of this module. */
    public CUfunction function(String kernel) {
        CUfunction f = new CUfunction();
        Check.cu(cuModuleGetFunction(f, module, kernel), "cuModuleGetFunction(" + kernel + ")");
        return f;
    }

    /** The module's name. */
    public String name() {
        return name;
    }

    /** Unloads the module. */
    @Override
    public void close() {
        if (loaded) {
            loaded = false;
            Check.cu(cuModuleUnload(module), "cuModuleUnload(" + name + ")");
        }
    }
}
