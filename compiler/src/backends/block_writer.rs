//! Indented `name { … }` text, the shape Caddyfiles and nginx configs
//! share. Values are quoted by each backend before they get here.

pub struct BlockWriter {
    out: String,
    depth: usize,
    indent: &'static str,
}

impl BlockWriter {
    pub fn new(indent: &'static str) -> BlockWriter {
        BlockWriter {
            out: String::new(),
            depth: 0,
            indent,
        }
    }

    pub fn line(&mut self, text: &str) {
        for _ in 0..self.depth {
            self.out.push_str(self.indent);
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    pub fn open(&mut self, head: &str) {
        self.line(&format!("{head} {{"));
        self.depth += 1;
    }

    pub fn close(&mut self) {
        self.depth -= 1;
        self.line("}");
    }

    pub fn blank(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("{\n") && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    pub fn finish(self) -> String {
        debug_assert_eq!(self.depth, 0, "unbalanced blocks");
        self.out
    }
}
