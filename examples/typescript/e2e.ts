// Runs index.ts as an Automation API inline program (no Node.js language host needed): `up`,
// prints the outputs as one JSON line, then `destroy` when E2E_DESTROY is set. Reads
// E2E_WORK_DIR, E2E_API_ID and, for the emulator, E2E_ENDPOINT.
import { LocalWorkspace } from "@pulumi/pulumi/automation";

async function main(): Promise<void> {
    const stack = await LocalWorkspace.createOrSelectStack(
        {
            stackName: "dev",
            projectName: "apigatewayv2-deployment-ts",
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            program: async () => require("./index"),
        },
        { workDir: process.env.E2E_WORK_DIR },
    );
    await stack.setConfig("apiId", { value: process.env.E2E_API_ID ?? "" });
    if (process.env.E2E_ENDPOINT) {
        await stack.setConfig("aws-apigatewayv2:endpoint", { value: process.env.E2E_ENDPOINT });
    }
    const result = await stack.up();
    const outputs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(result.outputs)) {
        outputs[k] = v.value;
    }
    console.log("OUTPUTS " + JSON.stringify(outputs));
    if (process.env.E2E_DESTROY) {
        await stack.destroy();
        console.log("DESTROYED");
    }
}

main().catch((err) => {
    console.error("e2e:", err);
    process.exit(1);
});
