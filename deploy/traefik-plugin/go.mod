module devops-agent/denylist

go 1.22
