// The Markdown of prompts and text items, as React elements (never as HTML: a therapist's text cannot
// inject markup). Blocks: paragraphs, headings, bulleted and numbered lists. Inline: **strong**,
// *emphasis* (or _emphasis_), `code` and [links](https://…) to web or mail addresses.
import { Fragment, type ReactNode } from "react";

const INLINE = /(\*\*[^*]+\*\*|\*[^*\s][^*]*\*|_[^_\s][^_]*_|`[^`]+`|\[[^\]]+\]\([^)\s]+\))/g;
const LINK = /^\[([^\]]+)\]\(([^)\s]+)\)$/;
const SAFE_LINK = /^(https?:\/\/|mailto:)/i;

export function inline(text: string): ReactNode[] {
  return text.split(INLINE).map((part, index) => {
    if (part.startsWith("**") && part.endsWith("**") && part.length > 4) return <strong key={index}>{inline(part.slice(2, -2))}</strong>;
    const emphasis = (part.startsWith("*") && part.endsWith("*")) || (part.startsWith("_") && part.endsWith("_"));
    if (emphasis && part.length > 2) return <em key={index}>{inline(part.slice(1, -1))}</em>;
    if (part.startsWith("`") && part.endsWith("`") && part.length > 2) return <code key={index}>{part.slice(1, -1)}</code>;
    const link = LINK.exec(part);
    if (link && SAFE_LINK.test(link[2])) {
      return (
        <a key={index} href={link[2]} target="_blank" rel="noopener noreferrer">
          {link[1]}
        </a>
      );
    }
    if (link) return <Fragment key={index}>{link[1]}</Fragment>;
    return <Fragment key={index}>{part}</Fragment>;
  });
}

type Block =
  | { kind: "heading"; level: number; text: string }
  | { kind: "paragraph"; text: string }
  | { kind: "list"; ordered: boolean; items: string[] };

const HEADING = /^(#{1,6})\s+(.*)$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;

export function blocks(markdown: string): Block[] {
  const result: Block[] = [];
  let paragraph: string[] = [];
  const endParagraph = () => {
    if (paragraph.length) result.push({ kind: "paragraph", text: paragraph.join("\n") });
    paragraph = [];
  };
  for (const line of markdown.split(/\r?\n/)) {
    const heading = HEADING.exec(line);
    const bullet = BULLET.exec(line);
    const numbered = NUMBERED.exec(line);
    const listItem = bullet ?? numbered;
    if (line.trim() === "") {
      endParagraph();
    } else if (heading) {
      endParagraph();
      result.push({ kind: "heading", level: heading[1].length, text: heading[2] });
    } else if (listItem) {
      endParagraph();
      const ordered = Boolean(numbered && !bullet);
      const last = result[result.length - 1];
      if (last?.kind === "list" && last.ordered === ordered) last.items.push(listItem[1]);
      else result.push({ kind: "list", ordered, items: [listItem[1]] });
    } else {
      paragraph.push(line);
    }
  }
  endParagraph();
  return result;
}

/** Block Markdown. Headings start at `headingLevel` (under the page's own headings). */
export function Markdown({ text, headingLevel = 3 }: { text: string; headingLevel?: number }) {
  return (
    <div className="markdown">
      {blocks(text).map((block, index) => {
        if (block.kind === "heading") {
          const level = Math.min(6, headingLevel + block.level - 1);
          const Heading = `h${level}` as "h3";
          return <Heading key={index}>{inline(block.text)}</Heading>;
        }
        if (block.kind === "list") {
          const List = block.ordered ? "ol" : "ul";
          return (
            <List key={index}>
              {block.items.map((item, itemIndex) => (
                <li key={itemIndex}>{inline(item)}</li>
              ))}
            </List>
          );
        }
        return <p key={index}>{inline(block.text)}</p>;
      })}
    </div>
  );
}
