/** Saves JSON the gateway returned as a file the browser downloads. */
export function saveJson(content: unknown, fileName: string, type = "application/json"): void {
  const file = new Blob([JSON.stringify(content, null, 2)], { type });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(file);
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(link.href);
}
