// Placeholder: replaced by the Temporal dev server setup.
export default async function setup(): Promise<void> {}
