package io.accessplan.cuda;

import io.accessplan.cuda.device.RecordingDeviceApi;
import io.accessplan.cuda.device.RecordingDeviceApi.Kind;
import io.accessplan.cuda.exec.ScheduleExecutor;
import io.accessplan.cuda.jcuda.CudaModule;
import io.accessplan.cuda.jcuda.JCudaDeviceApi;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Planner;
import io.accessplan.features.plan.Schedule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The shipped PTX: loadable by CUDA 12 and 13 drivers, assembled by ptxas for sm_80 and sm_90, defines every kernel used. */
class PtxResourcesTest {

    /** ptxas on PATH or in /usr/local/cuda*\/bin, if any. */
    static Optional<Path> ptxas() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "ptxas");
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        try (var dirs = Files.list(Path.of("/usr/local"))) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("cuda")).map(d -> d.resolve("bin/ptxas"))
                    .filter(Files::isExecutable).sorted().findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Test
    void everyModuleTargetsSm80AtAnIsaThatCuda12DriversLoad() {
        Pattern version = Pattern.compile("(?m)^\\.version (\\d+)\\.(\\d+)$");
        for (String m : JCudaDeviceApi.MODULES) {
            String text = new String(CudaModule.ptx(m), StandardCharsets.UTF_8);
            Matcher v = version.matcher(text);
            assertTrue(v.find(), m + ".ptx has a .version directive");
            int isa = Integer.parseInt(v.group(1)) * 10 + Integer.parseInt(v.group(2));
            assertTrue(isa <= 80, m + ".ptx is PTX ISA " + v.group(1) + "." + v.group(2)
                    + ", CUDA 12.0 drivers load up to 8.0");
            assertTrue(text.contains("\n.target sm_80\n"), m + ".ptx targets sm_80");
        }
    }

    @Test
    void everyShippedPtxAssemblesForSm80AndSm90(@TempDir Path tmp) throws Exception {
        Optional<Path> ptxas = ptxas();
        assumeTrue(ptxas.isPresent(), "ptxas not found on PATH or in /usr/local/cuda*/bin");
        for (String m : JCudaDeviceApi.MODULES) {
            Path file = tmp.resolve(m + ".ptx");
            Files.write(file, CudaModule.ptx(m));
            for (String sm : List.of("sm_80", "sm_90")) {
                Process p = new ProcessBuilder(ptxas.get().toString(), "-arch=" + sm, "-o",
                        tmp.resolve(m + "." + sm + ".cubin").toString(), file.toString()).redirectErrorStream(true)
                        .start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "ptxas timed out on " + m);
                assertEquals(0, p.exitValue(), "ptxas -arch=" + sm + " " + m + ".ptx: " + out);
            }
        }
    }

    @Test
    void everyKernelTheExecutorLaunchesIsDefinedInTheShippedPtx() {
        Set<String> defined = new HashSet<>();
        for (String m : JCudaDeviceApi.MODULES) {
            defined.addAll(CudaModule.entries(m));
        }
        Set<String> launched = new HashSet<>();
        for (Workload w : List.of(Workloads.tinyGpt(), Workloads.tinyLlama(), Workloads.tinyBert(),
                Workloads.tinyMlp())) {
            for (String s : List.of("keep", "selective", "offload+mb2+opt_offload")) {
                Strategy st = Strategy.parse(s);
                if (!st.validFor(w)) {
                    continue;
                }
                Schedule sc = Planner.schedule(w, st);
                RecordingDeviceApi api = new RecordingDeviceApi(80L << 30, "ptx");
                try (ScheduleExecutor ex = new ScheduleExecutor(api, sc, 0, Planner.CUDA_CONTEXT_BYTES, 1)) {
                    ex.step();
                }
                api.calls().stream().filter(c -> c.kind() == Kind.LAUNCH).forEach(c -> launched.add(c.name()));
            }
        }
        for (String t : List.of("f32", "f16", "bf16")) {
            launched.add("gemm_" + t);
        }
        launched.add("copy_f32");
        for (String k : launched) {
            assertTrue(defined.contains(k), "kernel " + k + " is launched but not in the shipped PTX");
        }
        assertTrue(launched.size() > 25, "the four families exercise most kernels: " + launched);
    }
}
