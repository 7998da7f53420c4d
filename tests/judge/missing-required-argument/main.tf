terraform {
  required_providers {
    digitalocean = {
      source  = "digitalocean/digitalocean"
      version = "~> 2.79.0"
    }
  }
}

# A droplet needs a size.
resource "digitalocean_droplet" "web" {
  name   = "web"
  region = "ams3"
  image  = "ubuntu-24-04-x64"
}
