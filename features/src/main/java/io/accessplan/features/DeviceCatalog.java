package io.accessplan.features;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The GPUs accessplan knows, by name. The built-in catalog is the data file
 * {@code devices.csv} (with a source per row); users add their own profiles from a file with the
 * same columns.
 */
public final class DeviceCatalog {
    /** The columns of a catalog file, in order. */
    public static final String HEADER = "name,memory_gib,mem_bw_gbps,tensor_tflops_16,tf32_tflops,fp32_tflops,"
            + "bf16,pcie_gen,h2d_gbps,d2h_gbps,gemm_table,source";

    private static final DeviceCatalog BUILTIN = loadBuiltin();

    private final Map<String, DeviceProfile> byName;

    private DeviceCatalog(Map<String, DeviceProfile> byName) {
        this.byName = Map.copyOf(byName);
        this.order = List.copyOf(byName.keySet());
    }

    private final List<String> order;

    /** The built-in catalog. */
    public static DeviceCatalog builtin() {
        return BUILTIN;
    }

    /** The built-in catalog plus the profiles of a user file, or just the built-in one when the file is null. */
    public static DeviceCatalog builtinWith(Path userFile) {
        return userFile == null ? BUILTIN : BUILTIN.withFile(userFile);
    }

    /** This catalog plus the profiles of a user file (which override same-named built-ins). */
    public DeviceCatalog withFile(Path file) {
        Map<String, DeviceProfile> m = new LinkedHashMap<>();
        for (String n : order) {
            m.put(n, byName.get(n));
        }
        try (InputStream in = Files.newInputStream(file)) {
            for (DeviceProfile p : parse(in, file.toString())) {
                m.put(p.name(), p);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("Unreadable device file: " + file + " (" + e.getMessage() + ")");
        }
        return new DeviceCatalog(m);
    }

    /** This catalog plus one profile (for a measured card, say). */
    public DeviceCatalog with(DeviceProfile p) {
        Map<String, DeviceProfile> m = new LinkedHashMap<>();
        for (String n : order) {
            m.put(n, byName.get(n));
        }
        m.put(p.name(), p);
        return new DeviceCatalog(m);
    }

    /** The profile of a device, or an error naming the unknown device and the known ones. */
    public DeviceProfile get(String name) {
        DeviceProfile p = name == null ? null : byName.get(name.trim().toLowerCase(Locale.ROOT));
        if (p == null) {
            throw new IllegalArgumentException("Unknown device: " + name + " (expected one of "
                    + String.join(", ", order) + ")");
        }
        return p;
    }

    /** Every profile, in file order. */
    public Collection<DeviceProfile> all() {
        return order.stream().map(byName::get).toList();
    }

    /** Every device name, in file order. */
    public List<String> names() {
        return order;
    }

    private static DeviceCatalog loadBuiltin() {
        try (InputStream in = DeviceCatalog.class.getResourceAsStream("devices.csv")) {
            if (in == null) {
                throw new IllegalStateException("devices.csv missing from the features jar");
            }
            Map<String, DeviceProfile> m = new LinkedHashMap<>();
            for (DeviceProfile p : parse(in, "devices.csv")) {
                m.put(p.name(), p);
            }
            return new DeviceCatalog(m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<DeviceProfile> parse(InputStream in, String where) {
        List<String> header = List.of(HEADER.split(","));
        List<DeviceProfile> out = new ArrayList<>();
        boolean seenHeader = false;
        String text;
        try {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("Unreadable device file: " + where + " (" + e.getMessage() + ")", e);
        }
        for (Csv.Line l : Csv.read(text, where)) {
            List<String> f = l.fields();
            if (!seenHeader) {
                if (!f.stream().map(String::trim).toList().equals(header)) {
                    throw new IllegalArgumentException("Invalid device file header in " + where + ": "
                            + String.join(",", f) + " (expected " + HEADER + ")");
                }
                seenHeader = true;
                continue;
            }
            String at = where + ":" + l.line();
            if (f.size() != header.size()) {
                throw new IllegalArgumentException("Invalid device row " + at + ": expected " + header.size()
                        + " fields, got " + f.size());
            }
            String name = f.get(0).trim().toLowerCase(Locale.ROOT);
            try {
                double gib = number(f, 1, at);
                if (!(gib > 0 && gib <= DeviceProfile.MAX_MEMORY_BYTES / (double) (1L << 30))) {
                    throw new IllegalArgumentException("Invalid device row " + at + ": memory_gib " + f.get(1).trim()
                            + " (must be > 0 and at most " + DeviceProfile.MAX_MEMORY_BYTES / (1L << 30) + ")");
                }
                out.add(new DeviceProfile(name, Math.round(gib * (1L << 30)), number(f, 2, at), number(f, 3, at),
                        number(f, 4, at), number(f, 5, at), bool(f, 6, at), integer(f, 7, at), number(f, 8, at),
                        number(f, 9, at), f.get(10).trim(), f.get(11)));
            } catch (IllegalArgumentException e) {
                throw e.getMessage().startsWith("Invalid device row") ? e
                        : new IllegalArgumentException("Invalid device row " + at + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static double number(List<String> f, int i, String at) {
        String s = f.get(i).trim();
        try {
            double v = Double.parseDouble(s);
            if (!Double.isFinite(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid device row " + at + ": " + HEADER.split(",")[i] + " '" + s
                    + "' (not a finite number)");
        }
    }

    private static int integer(List<String> f, int i, String at) {
        String s = f.get(i).trim();
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid device row " + at + ": " + HEADER.split(",")[i] + " '" + s
                    + "' (not an integer)");
        }
    }

    private static boolean bool(List<String> f, int i, String at) {
        String s = f.get(i).trim().toLowerCase(Locale.ROOT);
        if (!s.equals("true") && !s.equals("false")) {
            throw new IllegalArgumentException("Invalid device row " + at + ": " + HEADER.split(",")[i] + " '" + s
                    + "' (expected true or false)");
        }
        return s.equals("true");
    }
}
